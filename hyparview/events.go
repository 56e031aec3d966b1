package hyparview

import "github.com/overlayd/overlayd/overlay"

// Event is an output for the layer above: a change of the active view.
type Event interface{ isEvent() }

// NeighborUp reports a peer added to the active view: keep a connection to
// it and let the broadcast and failure-detection layers use it.
type NeighborUp struct{ Peer overlay.Peer }

// NeighborDown reports a peer removed from the active view: its connection
// may close.
type NeighborDown struct{ Peer overlay.Peer }

// Isolated reports that the node knows no peer any more: both views are
// empty and no request is outstanding. HyParView cannot repair that on its
// own; the runtime should Join again through a contact it knows (a seed,
// or a member from its catalog). It is repeated every shuffle interval
// while the node stays isolated.
type Isolated struct{}

func (NeighborUp) isEvent()   {}
func (NeighborDown) isEvent() {}
func (Isolated) isEvent()     {}

// Ready is what a Node produced since the last call to [Node.Ready].
type Ready struct {
	Messages []overlay.Outgoing
	Events   []Event
}
