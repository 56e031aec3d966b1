package node

import (
	"github.com/overlayd/overlayd/hyparview"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/plumtree"
	"github.com/overlayd/overlayd/swim"
	"github.com/overlayd/overlayd/vivaldi"
)

// Incarnation returns this node's own SWIM incarnation.
func (c *Core) Incarnation() uint64 { return c.sw.Incarnation() }

// LocalHealth returns the Lifeguard local health score, 0 (healthy) to
// swim.Config.MaxLocalHealth−1; probe intervals and timeouts are stretched
// by score+1.
func (c *Core) LocalHealth() int { return c.sw.LocalHealth() }

// Active returns the HyParView active view: the peers this node keeps a
// connection to.
func (c *Core) Active() []overlay.Peer { return c.hv.Active() }

// Passive returns the HyParView passive view: known peers without a
// connection, the reserve that repairs the active view.
func (c *Core) Passive() []overlay.Peer { return c.hv.Passive() }

// ProtocolStats is the counters of every protocol a Core composes.
type ProtocolStats struct {
	HyParView hyparview.Stats
	Plumtree  plumtree.Stats
	SWIM      swim.Stats
	Vivaldi   vivaldi.Stats
	Catalog   catalog.Stats
}

// ProtocolStats returns the counters of every protocol this Core composes.
func (c *Core) ProtocolStats() ProtocolStats {
	return ProtocolStats{
		HyParView: c.hv.Stats(),
		Plumtree:  c.pt.Stats(),
		SWIM:      c.sw.Stats(),
		Vivaldi:   c.viv.Stats(),
		Catalog:   c.cat.Stats(),
	}
}
