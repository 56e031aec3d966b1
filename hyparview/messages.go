package hyparview

import "github.com/overlayd/overlayd/overlay"

// Message type numbers on the wire. Append-only.
const (
	TypeJoin          overlay.MsgType = 1
	TypeForwardJoin   overlay.MsgType = 2
	TypeNeighbor      overlay.MsgType = 3
	TypeNeighborReply overlay.MsgType = 4
	TypeDisconnect    overlay.MsgType = 5
	TypeShuffle       overlay.MsgType = 6
	TypeShuffleReply  overlay.MsgType = 7
)

// Join asks a contact node to let the sender into the overlay.
type Join struct{}

// ForwardJoin carries a joiner along a random walk of at most ARWL hops.
type ForwardJoin struct {
	Joiner overlay.Peer `cbor:"1,keyasint"`
	TTL    uint8        `cbor:"2,keyasint"`
}

// Neighbor asks the receiver to add the sender to its active view. A
// high-priority request must be accepted: the sender has no active peer
// left, or the receiver itself chose the sender during a join.
type Neighbor struct {
	HighPriority bool `cbor:"1,keyasint,omitempty"`
	// Seq numbers the sender's requests so that a reply can be matched to
	// the request it answers.
	Seq uint32 `cbor:"2,keyasint,omitempty"`
}

// NeighborReply answers a Neighbor request.
type NeighborReply struct {
	Accepted bool `cbor:"1,keyasint,omitempty"`
	// Seq echoes the request's Seq.
	Seq uint32 `cbor:"2,keyasint,omitempty"`
}

// Disconnect tells the receiver that the sender dropped it from its active
// view; the receiver moves the sender to its passive view.
type Disconnect struct{}

// Shuffle carries a sample of the origin's views along a random walk.
type Shuffle struct {
	Origin  overlay.Peer   `cbor:"1,keyasint"`
	TTL     uint8          `cbor:"2,keyasint"`
	Entries []overlay.Peer `cbor:"3,keyasint"`
}

// ShuffleReply returns a sample of the passive view of the node where a
// shuffle walk ended, straight to the walk's origin.
type ShuffleReply struct {
	Entries []overlay.Peer `cbor:"1,keyasint"`
}

func (Join) Protocol() overlay.Protocol          { return overlay.ProtoHyParView }
func (ForwardJoin) Protocol() overlay.Protocol   { return overlay.ProtoHyParView }
func (Neighbor) Protocol() overlay.Protocol      { return overlay.ProtoHyParView }
func (NeighborReply) Protocol() overlay.Protocol { return overlay.ProtoHyParView }
func (Disconnect) Protocol() overlay.Protocol    { return overlay.ProtoHyParView }
func (Shuffle) Protocol() overlay.Protocol       { return overlay.ProtoHyParView }
func (ShuffleReply) Protocol() overlay.Protocol  { return overlay.ProtoHyParView }

func (Join) Type() overlay.MsgType          { return TypeJoin }
func (ForwardJoin) Type() overlay.MsgType   { return TypeForwardJoin }
func (Neighbor) Type() overlay.MsgType      { return TypeNeighbor }
func (NeighborReply) Type() overlay.MsgType { return TypeNeighborReply }
func (Disconnect) Type() overlay.MsgType    { return TypeDisconnect }
func (Shuffle) Type() overlay.MsgType       { return TypeShuffle }
func (ShuffleReply) Type() overlay.MsgType  { return TypeShuffleReply }
