package swim

import (
	"fmt"

	"github.com/overlayd/overlayd/overlay"
)

// State is what an Update asserts about a member. The numeric order is the
// precedence at equal incarnation: Left > Dead > Suspect > Alive. Zero is
// not a state, so an update without one is rejected as malformed.
type State uint8

// The member states.
const (
	StateAlive   State = 1
	StateSuspect State = 2
	StateDead    State = 3
	StateLeft    State = 4
)

// String names the state for logs and tests.
func (s State) String() string {
	switch s {
	case StateAlive:
		return "alive"
	case StateSuspect:
		return "suspect"
	case StateDead:
		return "dead"
	case StateLeft:
		return "left"
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

func (s State) valid() bool { return s >= StateAlive && s <= StateLeft }

// Update is a membership assertion: Member is in State at Incarnation.
// Updates travel cluster-wide through the layer above ([Broadcast] out,
// [Node.Observe] in) and, for a suspicion, straight to the suspect in a
// [Suspect] message.
type Update struct {
	Member      overlay.Peer `cbor:"1,keyasint"`
	Incarnation uint64       `cbor:"2,keyasint,omitempty"`
	State       State        `cbor:"3,keyasint"`
	// From is the node that asserted the update. Distinct asserters of the
	// same suspicion are the independent confirmations that shorten its
	// timeout. Empty means unknown: such a suspicion starts a timer but
	// never counts as a confirmation.
	From overlay.NodeID `cbor:"4,keyasint,omitempty"`
}

func (u Update) validate() error {
	if err := u.Member.Validate(); err != nil {
		return err
	}
	if !u.State.valid() {
		return fmt.Errorf("swim: invalid state %d", uint8(u.State))
	}
	if len(u.From) > overlay.MaxNodeIDLen {
		return fmt.Errorf("swim: From of %d bytes exceeds %d", len(u.From), overlay.MaxNodeIDLen)
	}
	return nil
}

// supersedes reports whether u takes precedence over a record holding
// state st at incarnation inc: a higher incarnation wins, and at equal
// incarnation the stronger state. A record with state zero (nothing known)
// is superseded by any valid update.
func (u Update) supersedes(inc uint64, st State) bool {
	if u.Incarnation != inc {
		return u.Incarnation > inc
	}
	return u.State > st
}
