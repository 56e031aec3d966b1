package node

import (
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/plumtree"
)

// ProbeRTT reports the round trip of a SWIM probe answered by an active
// peer, the sample Vivaldi was fed. The runtime keeps a histogram of them.
type ProbeRTT struct {
	Peer overlay.Peer
	RTT  time.Duration
}

// BroadcastDelivered reports a catalog broadcast of another node delivered
// here. Delay runs from the origin's clock when it broadcast to this
// node's clock at delivery, so it includes the offset between the two
// clocks and may even be negative; Hops is how far the message travelled
// in the broadcast tree.
type BroadcastDelivered struct {
	Delay time.Duration
	Hops  int
}

func (ProbeRTT) isEvent()           {}
func (BroadcastDelivered) isEvent() {}

// withOrigin stamps a broadcast message with the time it leaves its
// origin, for the receivers' delivery delay.
func withOrigin(msg overlay.Message, now time.Time) overlay.Message {
	switch m := msg.(type) {
	case RecordUpdate:
		m.Origin = now.UnixNano()
		return m
	case LivenessUpdate:
		m.Origin = now.UnixNano()
		return m
	}
	return msg
}

// observeDelivery reports a broadcast from another node that carries its
// origin time; this node's own broadcasts, delivered at once, say nothing.
func (c *Core) observeDelivery(now time.Time, d plumtree.Deliver, origin int64) {
	if d.Round == 0 || origin == 0 {
		return
	}
	c.out.Events = append(c.out.Events, BroadcastDelivered{Delay: now.Sub(time.Unix(0, origin)), Hops: d.Round})
}
