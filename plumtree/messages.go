package plumtree

import (
	"fmt"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// Plumtree message types on the wire. Append-only.
const (
	TypeGossip overlay.MsgType = 1
	TypeIHave  overlay.MsgType = 2
	TypeGraft  overlay.MsgType = 3
	TypePrune  overlay.MsgType = 4
)

// maxRound bounds the hop count accepted from the network. No overlay tree
// is this deep; the bound only keeps Round+1 from overflowing.
const maxRound = 1 << 16

// Gossip carries a broadcast payload along an eager link.
type Gossip struct {
	ID MessageID `cbor:"1,keyasint,omitempty"`
	// Round is the number of hops the message has travelled when it
	// reaches the receiver: 1 for the origin's own sends.
	Round   int    `cbor:"2,keyasint,omitempty"`
	Payload []byte `cbor:"3,keyasint,omitempty"`
}

// IHave announces, along a lazy link, messages the sender has received.
type IHave struct {
	Entries []IHaveEntry `cbor:"1,keyasint,omitempty"`
}

// IHaveEntry announces one message.
type IHaveEntry struct {
	ID MessageID `cbor:"1,keyasint,omitempty"`
	// Round is the round a Gossip from the announcer would carry (its own
	// hop count plus one), comparable to a received [Gossip.Round].
	Round int `cbor:"2,keyasint,omitempty"`
	// Waited is how long the entry sat in the announcer's batch before the
	// IHAVE was sent (nanoseconds on the wire). The receiver subtracts it
	// from its receive time to estimate when the lazy link would have
	// delivered the message; no clock synchronisation is needed.
	Waited time.Duration `cbor:"3,keyasint,omitempty"`
}

// Graft asks the receiver to move the sender into its eager set and, when
// ID is not zero, to resend that message from its cache.
type Graft struct {
	ID MessageID `cbor:"1,keyasint,omitempty"`
}

// Prune asks the receiver to move the sender into its lazy set.
type Prune struct{}

// Protocol returns overlay.ProtoPlumtree.
func (Gossip) Protocol() overlay.Protocol { return overlay.ProtoPlumtree }

// Type returns TypeGossip.
func (Gossip) Type() overlay.MsgType { return TypeGossip }

// Protocol returns overlay.ProtoPlumtree.
func (IHave) Protocol() overlay.Protocol { return overlay.ProtoPlumtree }

// Type returns TypeIHave.
func (IHave) Type() overlay.MsgType { return TypeIHave }

// Protocol returns overlay.ProtoPlumtree.
func (Graft) Protocol() overlay.Protocol { return overlay.ProtoPlumtree }

// Type returns TypeGraft.
func (Graft) Type() overlay.MsgType { return TypeGraft }

// Protocol returns overlay.ProtoPlumtree.
func (Prune) Protocol() overlay.Protocol { return overlay.ProtoPlumtree }

// Type returns TypePrune.
func (Prune) Type() overlay.MsgType { return TypePrune }

// RegisterMessages registers every Plumtree message type with r.
func RegisterMessages(r *overlay.Registry) error {
	for _, register := range []func(*overlay.Registry) error{
		overlay.Register[Gossip],
		overlay.Register[IHave],
		overlay.Register[Graft],
		overlay.Register[Prune],
	} {
		if err := register(r); err != nil {
			return fmt.Errorf("plumtree: register messages: %w", err)
		}
	}
	return nil
}

// validRound reports whether r is a hop count a peer may send.
func validRound(r int) bool { return r >= 1 && r <= maxRound }
