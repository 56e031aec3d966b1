package node

import (
	"time"

	"github.com/overlayd/overlayd/hyparview"
	"github.com/overlayd/overlayd/plumtree"
	"github.com/overlayd/overlayd/swim"
)

// drain moves every protocol's outputs where they belong until none has
// anything left: messages to the runtime, view changes to Plumtree and
// SWIM, SWIM's verdicts and Vivaldi's samples into the catalog and out
// through Plumtree, Plumtree's deliveries into the catalog and SWIM.
func (c *Core) drain(now time.Time) {
	for {
		hv, pt, sw := c.hv.Ready(), c.pt.Ready(), c.sw.Ready()
		if len(hv.Messages)+len(hv.Events)+len(pt.Messages)+len(pt.Events)+len(sw.Messages)+len(sw.Events) == 0 {
			return
		}
		c.out.Messages = append(c.out.Messages, hv.Messages...)
		c.out.Messages = append(c.out.Messages, pt.Messages...)
		c.out.Messages = append(c.out.Messages, sw.Messages...)
		for _, e := range hv.Events {
			c.onViewChange(now, e)
		}
		for _, e := range sw.Events {
			c.onSWIM(now, e)
		}
		for _, e := range pt.Events {
			if d, ok := e.(plumtree.Deliver); ok {
				c.onDeliver(now, d)
			}
		}
	}
}

func (c *Core) onViewChange(now time.Time, e hyparview.Event) {
	switch e := e.(type) {
	case hyparview.NeighborUp:
		c.pt.NeighborUp(now, e.Peer)
		c.sw.NeighborUp(now, e.Peer)
		c.out.Events = append(c.out.Events, Connect{Peer: e.Peer})
		c.syncOverNewLink(now, e.Peer)
		if !c.connected {
			// Back in the overlay (joined, or rejoined after isolation):
			// tell the cluster this node is here.
			c.connected, c.keys.announced = true, false
			_ = c.publishOwnRecord(now) // valid by construction
		}
	case hyparview.NeighborDown:
		c.pt.NeighborDown(now, e.Peer.ID)
		c.sw.NeighborDown(now, e.Peer.ID)
		c.out.Events = append(c.out.Events, Release{Peer: e.Peer})
		c.connected = len(c.hv.Active()) > 0
	case hyparview.Isolated:
		c.rejoin()
	}
}

func (c *Core) onSWIM(now time.Time, e swim.Event) {
	switch e := e.(type) {
	case swim.Broadcast:
		// The verdict goes to the whole cluster; this node applies its own
		// copy when Plumtree delivers it back.
		c.broadcastVerdict(now, e.Update)
	case swim.ProbeRTT:
		c.onProbe(now, e)
		c.rtts.observe(now, e.Peer.ID, e.RTT)
		c.out.Events = append(c.out.Events, ProbeRTT{Peer: e.Peer, RTT: e.RTT})
	}
}

// onDeliver applies a broadcast that reached this node.
func (c *Core) onDeliver(now time.Time, d plumtree.Deliver) {
	msg, err := c.codec.Unmarshal(d.Payload)
	if err != nil {
		c.stats.BadPayloads++
		return
	}
	switch m := msg.(type) {
	case RecordUpdate:
		c.observeDelivery(now, d, m.Origin)
		if m.Binding != nil {
			c.offer(*m.Binding)
		}
		c.applyRecord(now, m.Record)
		c.settle()
	case LivenessUpdate:
		c.observeDelivery(now, d, m.Origin)
		c.applyVerdict(now, m)
	default:
		c.stats.BadPayloads++
	}
}
