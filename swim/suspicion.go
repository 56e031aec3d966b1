package swim

import (
	"math"
	"slices"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// suspicion is the timer of one suspected member: Lifeguard's LHA-Suspicion,
// as memberlist's suspicion.go implements it. The timer starts at
// its maximum and falls towards its minimum as independent confirmations
// arrive — distinct nodes asserting the same suspicion — because each one
// makes a false positive less likely.
type suspicion struct {
	start time.Time
	// lo and hi are the minimum and maximum timeouts, fixed when the
	// suspicion starts.
	lo, hi time.Duration
	// k is the number of confirmations that bring the timeout to lo.
	k int
	// confirmations counts distinct asserters after the first, up to k.
	confirmations int
	// asserters are the known asserters counted so far: the first, then
	// each confirmation; at most k+1 entries.
	asserters []overlay.NodeID
	// ours records that this node suspected the member itself, after a
	// probe of its own failed.
	ours bool
	// answeredAt is when the member was last known to answer since the
	// suspicion began: heard from here or, by another node's word,
	// elsewhere (see Node.Heard). Zero while it has not answered.
	answeredAt time.Time
}

// suspicionBounds returns the minimum and maximum suspicion timeouts:
// SuspicionTimeout and SuspicionMaxTimeoutMult times it.
func suspicionBounds(cfg Config) (lo, hi time.Duration) {
	return cfg.SuspicionTimeout, time.Duration(cfg.SuspicionMaxTimeoutMult) * cfg.SuspicionTimeout
}

// expectedConfirmations is k, the confirmations that bring a suspicion to
// its minimum timeout: SuspicionConfirmations, or 0 in a cluster too small
// to hold k confirmers besides this node and the suspect.
func expectedConfirmations(confirmations, clusterSize int) int {
	if clusterSize-2 < confirmations {
		return 0
	}
	return confirmations
}

// suspicionTimeout is the timeout after c confirmations out of k expected:
// hi − (hi − lo) × log(c+1)/log(k+1), never below lo, and lo when no
// confirmation is expected (memberlist's remainingSuspicionTime). The
// logarithm makes the first confirmations count most.
func suspicionTimeout(c, k int, lo, hi time.Duration) time.Duration {
	if k < 1 || c >= k {
		return lo
	}
	frac := math.Log(float64(c)+1) / math.Log(float64(k)+1)
	return max(hi-time.Duration(frac*float64(hi-lo)), lo)
}

func newSuspicion(now time.Time, from overlay.NodeID, k int, lo, hi time.Duration) *suspicion {
	s := &suspicion{start: now, lo: lo, hi: hi, k: k}
	if from != "" {
		s.asserters = append(s.asserters, from)
	}
	return s
}

// confirm records from as an asserter and reports whether it counts as a
// new confirmation. Once k are counted the timeout is at its minimum and,
// like memberlist, further asserters are not recorded.
func (s *suspicion) confirm(from overlay.NodeID) bool {
	if from == "" || s.confirmations >= s.k || slices.Contains(s.asserters, from) {
		return false
	}
	s.confirmations++
	s.asserters = append(s.asserters, from)
	return true
}

// deadline is when the suspicion ends in a Dead verdict from this node,
// given its local health score. Either timeout is stretched by the local health
// multiplier, as Lifeguard stretches probes: an unhealthy node's own
// failed probe may have been its own fault.
//
// Only a suspecter — a node whose own probe of the member failed — runs to
// the timeout the confirmations have shrunk, and only while nobody has
// heard from the member. Every other node waits the maximum and the
// minimum timeout: a bystander, because a suspecter's verdict will
// normally reach it first, and each verdict is a cluster-wide broadcast;
// and everyone once the suspicion is answered, counted from the last
// answer, because the member is alive, only slow, and will refute once it
// has handled the suspicion sent to it — which for a member slow by d may
// take 2d and more to reach everyone, since its own broadcast is grafted
// from it as slowly.
func (s *suspicion) deadline(health int) time.Time {
	stretch := time.Duration(health + 1)
	if s.ours && s.answeredAt.IsZero() {
		return s.start.Add(stretch * suspicionTimeout(s.confirmations, s.k, s.lo, s.hi))
	}
	from := s.start
	if s.answeredAt.After(from) {
		from = s.answeredAt
	}
	return from.Add(stretch * (s.hi + s.lo))
}
