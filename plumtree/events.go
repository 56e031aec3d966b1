package plumtree

import "github.com/overlayd/overlayd/overlay"

// Ready holds what a [Node] produced since the last call to [Node.Ready]:
// messages for the runtime to send, in order, and events for the layer
// above.
type Ready struct {
	Messages []overlay.Outgoing
	Events   []Event
}

// Event is something the layer above must learn about. [Deliver] is the
// only kind.
type Event interface {
	isEvent()
}

// Deliver hands a broadcast to the layer above. Every node emits exactly
// one Deliver per message it learns of within the seen window (see the
// package comment), the origin included: Broadcast delivers locally with
// Round 0 and From set to the node itself, as in the paper's algorithm.
type Deliver struct {
	ID MessageID
	// Payload is shared with the message cache and with outgoing messages;
	// the receiver must not modify it.
	Payload []byte
	// Round is the number of hops the message travelled; 0 at the origin.
	Round int
	// From is the neighbour the message came from; the node itself at the
	// origin.
	From overlay.NodeID
}

func (Deliver) isEvent() {}
