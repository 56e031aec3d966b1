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
//   - a suspecter that hears from the member after the suspicion began no
//     longer declares it at the short timeout, but waits as a bystander does,
//     long enough for the member to handle the suspicion sent to it and
//     refute (see suspicion.deadline).
//
// This is what keeps a slow member alive, one whose handling of messages
// lags by seconds (Lifeguard's scenario): its acks and refutation come
// late, but the messages it sends on its own — its probes, the PingReqs of
// its indirect probes, the broadcasts it forwards — keep arriving. A
// crashed member sends nothing after its crash. Only members already known
// are recorded.
func (n *Node) Heard(now time.Time, id overlay.NodeID) {
	if m, ok := n.members[id]; ok && m.heardAt.Before(now) {
		m.heardAt = now
	}
}

// heardSince reports whether member id was heard from after t.
func (n *Node) heardSince(id overlay.NodeID, t time.Time) bool {
	m, ok := n.members[id]
	return ok && m.heardAt.After(t)
}
