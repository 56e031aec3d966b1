package node

import (
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// Snapshot returns an immutable view of the catalog for readers on other
// goroutines.
func (c *Core) Snapshot() *catalog.Snapshot { return c.cat.Snapshot() }

// MeasuredRTTs returns an immutable set of the RTTs this node measured
// directly and still trusts.
func (c *Core) MeasuredRTTs() *MeasuredRTTs { return c.rtts.snapshot() }

// Nearest answers "which healthy instances of a service are nearest to
// me?" on a fresh snapshot, from this node's measured RTTs, coordinate and
// datacenter.
func (c *Core) Nearest(q catalog.Query) catalog.Result {
	q.From = c.viv.Smoothed()
	q.Measured = c.MeasuredRTTs().Lookup
	if q.FromDatacenter == "" {
		q.FromDatacenter = c.cfg.Datacenter
	}
	return c.Snapshot().Nearest(q)
}

// Member returns this node's view of a member.
func (c *Core) Member(id overlay.NodeID) (catalog.Record, bool) { return c.cat.Get(id) }

// Digest returns the catalog's anti-entropy digest, for comparing two
// nodes' catalogs.
func (c *Core) Digest() []uint64 { return c.cat.Digest(c.cfg.AntiEntropyBuckets) }

// Counts returns how many members the catalog holds in each status.
func (c *Core) Counts() catalog.Counts { return c.cat.Counts() }

// Coordinate returns the coordinate this node shows and ranks others from:
// Vivaldi's, smoothed over its last few updates (vivaldi.Node.Smoothed).
func (c *Core) Coordinate() vivaldi.Coordinate { return c.viv.Smoothed() }
