package swim

import (
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// Heard records that a message from member id has just arrived, of any
// protocol: the runtime calls it for every message it receives, and Step
// for SWIM's own. A member that sends is running, so what it sends is
// evidence against its crash even when its acks come late:
//
//   - a probe that times out on a member heard from after the ping went
//     out is not a failure: no suspicion follows, and local health does not
//     change (see probeEnded);
//   - a suspicion of the member is answered: this node no longer declares
//     it at the short timeout but waits as a bystander does, from the last
//     answer, long enough for the member to handle the suspicion sent to it
//     and refute (see suspicion.deadline), and it tells the cluster so with
//     a [Broadcast] of the member's Alive at the suspected incarnation,
//     asserted by this node (see answered), at most once per minimum
//     timeout and only if no answer came within one.
//
// This is what keeps a slow member alive, one whose handling of messages
// lags by seconds (Lifeguard's scenario): its acks and refutation come
// late, but the messages it sends on its own — its probes, the PingReqs of
// its indirect probes, the broadcasts it forwards — keep arriving, and one
// neighbour hearing one of them within the window is enough. A crashed
// member sends nothing after its crash. Only members already known are
// recorded.
func (n *Node) Heard(now time.Time, id overlay.NodeID) {
	m, ok := n.members[id]
	if !ok {
		return
	}
	if m.heardAt.Before(now) {
		m.heardAt = now
	}
	// Tell the cluster at most once per minimum timeout, and only if
	// nobody else did within one: while the member keeps sending, the
	// suspicion keeps being answered.
	if s := m.suspicion; s != nil && now.After(s.start) && (s.answeredAt.IsZero() || now.Sub(s.answeredAt) >= s.lo) {
		s.answeredAt = now
		n.stats.SuspicionsAnswered++
		n.emit(Broadcast{Update: Update{Member: m.peer, Incarnation: m.incarnation, State: StateAlive, From: n.cfg.Self.ID}})
	}
}

// answered takes another node's word that a suspected member answered it:
// an Alive at the suspected incarnation asserted by someone other than the
// member. It cannot cancel the suspicion, since only the member's own
// refutation at a higher incarnation may, but it defers this node's verdict
// as hearing from the member would. It reports whether u was such word.
func (n *Node) answered(now time.Time, u Update) bool {
	m, ok := n.members[u.Member.ID]
	if !ok || m.suspicion == nil || u.State != StateAlive || u.Incarnation != m.incarnation ||
		u.From == "" || u.From == u.Member.ID {
		return false
	}
	if s := m.suspicion; s.answeredAt.Before(now) {
		if s.answeredAt.IsZero() {
			n.stats.SuspicionsAnswered++
		}
		s.answeredAt = now
	}
	return true
}

// heardSince reports whether member id was heard from after t.
func (n *Node) heardSince(id overlay.NodeID, t time.Time) bool {
	m, ok := n.members[id]
	return ok && m.heardAt.After(t)
}
