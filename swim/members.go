package swim

import (
	"math"
	"slices"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// member is what this node knows of another member. A record is created by
// the first update about the member, or by the first round trip measured
// to it, with state zero, which any update supersedes.
type member struct {
	peer        overlay.Peer
	incarnation uint64
	state       State
	// suspicion is the running timer while state is StateSuspect.
	suspicion *suspicion
	// rtt is the member's round-trip estimate, from this node's probes.
	rtt rttEstimate
	// heardAt is when a message from the member last arrived (see
	// Node.Heard).
	heardAt time.Time
}

// record returns p's record, creating an empty one if there is none.
func (n *Node) record(p overlay.Peer) *member {
	m := n.members[p.ID]
	if m == nil {
		m = &member{peer: p}
		n.members[p.ID] = m
	}
	return m
}

// Observe merges a membership update received from the cluster — a
// broadcast of any node, this one's own included — into what this node
// knows. A higher incarnation wins; at equal incarnation Left > Dead >
// Suspect > Alive. A suspicion starts a timer (whoever raised it), a
// repeated suspicion from another asserter confirms it, a higher Alive
// cancels it. An update about this node that says it is anything but alive
// at its current incarnation or later is refuted. Stale and malformed
// updates are ignored and counted.
func (n *Node) Observe(now time.Time, u Update) {
	if u.validate() != nil {
		n.stats.Ignored++
		return
	}
	if u.Member.ID == n.cfg.Self.ID {
		n.observeSelf(u)
		return
	}
	if n.answered(now, u) {
		n.stats.StaleUpdates++ // no state changes: only the timer is deferred
		return
	}
	if !n.merge(now, u) {
		n.stats.StaleUpdates++
		return
	}
	if m := n.members[u.Member.ID]; m.state == StateSuspect && !m.suspicion.ours {
		n.probeUrgently(u.Member.ID)
	}
}

// merge applies u to the member's record and reports whether anything
// changed: a new state, or a new confirmation of a running suspicion.
func (n *Node) merge(now time.Time, u Update) bool {
	m := n.record(u.Member)
	if u.State == StateSuspect && m.state == StateSuspect && u.Incarnation == m.incarnation {
		return m.suspicion.confirm(u.From)
	}
	if !u.supersedes(m.incarnation, m.state) {
		return false
	}
	if m.suspicion != nil {
		m.suspicion = nil
		n.suspected = slices.DeleteFunc(n.suspected, func(id overlay.NodeID) bool { return id == u.Member.ID })
	}
	m.incarnation, m.state = u.Incarnation, u.State
	if u.Member.Addr != "" {
		m.peer = u.Member
	}
	if u.State == StateSuspect {
		lo, hi := suspicionBounds(n.cfg)
		m.suspicion = newSuspicion(now, u.From, expectedConfirmations(n.cfg.SuspicionConfirmations, n.clusterSize), lo, hi)
		n.suspected = append(n.suspected, u.Member.ID)
	}
	return true
}

// observeSelf handles an update about this node. Alive at a higher
// incarnation comes from an earlier life of this node (it restarted at 0):
// the node adopts the incarnation, so that its next refutation or Left is
// not stale. Anything else at the current incarnation or later is refuted.
// A leaving node refutes nothing.
func (n *Node) observeSelf(u Update) {
	switch {
	case n.leaving:
		n.stats.StaleUpdates++
	case u.State == StateAlive:
		if u.Incarnation <= n.incarnation {
			n.stats.StaleUpdates++
			return
		}
		n.incarnation = u.Incarnation
	case u.Incarnation >= n.incarnation:
		n.refute(u.Incarnation)
	default:
		n.stats.StaleUpdates++
	}
}

// refute raises this node's incarnation above inc and broadcasts Alive at
// the new one (SWIM §4.2). Being suspected is also evidence that this node
// is slow: its local health score rises (Lifeguard's LHA-Probe). The incarnation
// never wraps: at its maximum no refutation is possible, which is counted.
func (n *Node) refute(inc uint64) {
	if inc == math.MaxUint64 {
		n.incarnation = inc
		n.stats.IncarnationSaturated++
		return
	}
	n.incarnation = inc + 1
	n.health.apply(1)
	n.stats.Refutations++
	n.emit(Broadcast{Update: n.selfUpdate(StateAlive)})
}

// handleSuspect takes a suspicion notice sent straight to this node. It
// must be about this node and asserted by its sender.
func (n *Node) handleSuspect(from overlay.Peer, m Suspect) {
	u := m.Update
	if u.validate() != nil || u.Member.ID != n.cfg.Self.ID || u.State != StateSuspect || u.From != from.ID {
		n.stats.Ignored++
		return
	}
	n.observeSelf(u)
}

// learnIncarnation records the incarnation a neighbour reported in its own
// ack: it is alive at that incarnation at least. Only a higher incarnation
// changes a known record, as an Alive update would.
func (n *Node) learnIncarnation(now time.Time, p overlay.Peer, inc uint64) {
	if m, ok := n.members[p.ID]; ok && m.state != 0 && inc <= m.incarnation {
		return
	}
	n.merge(now, Update{Member: p, Incarnation: inc, State: StateAlive, From: p.ID})
}

// suspectTarget acts on a failed probe of target: it suspects the target
// at its last known incarnation, or confirms a running suspicion, and
// broadcasts that assertion unless it made it before. The target is told
// directly either way, so that it can refute at once (Lifeguard's buddy
// system). A member known dead or left is left alone.
func (n *Node) suspectTarget(now time.Time, target overlay.Peer) {
	var inc uint64
	if m, ok := n.members[target.ID]; ok {
		if m.state == StateDead || m.state == StateLeft {
			return
		}
		inc = m.incarnation
	}
	u := Update{Member: target, Incarnation: inc, State: StateSuspect, From: n.cfg.Self.ID}
	n.merge(now, u)
	s := n.members[target.ID].suspicion
	if !s.ours {
		s.ours = true
		n.stats.SuspicionsRaised++
		n.emit(Broadcast{Update: u})
	}
	n.send(target, Suspect{Update: u})
}

// tickSuspicions ends every suspicion whose deadline has passed with a
// Dead verdict, broadcast at the suspected incarnation.
func (n *Node) tickSuspicions(now time.Time) {
	var expired []*member
	for _, id := range n.suspected {
		m := n.members[id]
		if !now.Before(m.suspicion.deadline(n.health.score)) {
			expired = append(expired, m)
		}
	}
	for _, m := range expired {
		u := Update{Member: m.peer, Incarnation: m.incarnation, State: StateDead, From: n.cfg.Self.ID}
		n.merge(now, u)
		n.stats.DeadDeclared++
		n.emit(Broadcast{Update: u})
	}
}
