package swim

import (
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// Event is an output for the layer above.
type Event interface{ isEvent() }

// Broadcast is an update this node originates; the layer above must
// disseminate it to the whole cluster and hand it back to every node's
// [Node.Observe], this one's included. It is a suspicion this node raises
// or confirms, this node's refutation (Alive at a raised incarnation), a
// Dead verdict when a suspicion timer ends, or this node's Left.
type Broadcast struct{ Update Update }

// ProbeRTT reports a direct probe answered by its target: the round-trip
// time from ping to ack, and the target's ack payload, which SWIM never
// interprets. Payload belongs to the received message; do not modify it.
type ProbeRTT struct {
	Peer    overlay.Peer
	RTT     time.Duration
	Payload []byte
}

func (Broadcast) isEvent() {}
func (ProbeRTT) isEvent()  {}

// Ready is what a Node produced since the last call to [Node.Ready].
type Ready struct {
	Messages []overlay.Outgoing
	Events   []Event
}
