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
}

// suspicionBounds returns the minimum and maximum suspicion timeouts for a
// cluster of n members: lo = mult × max(1, log10 n) × interval (memberlist's
// suspicionTimeout, after SWIM §4.2's O(log N) dissemination time) and
// hi = maxMult × lo.
func suspicionBounds(mult, maxMult, n int, interval time.Duration) (lo, hi time.Duration) {
	scale := math.Max(1, math.Log10(float64(max(n, 1))))
	lo = time.Duration(float64(mult) * scale * float64(interval))
	return lo, time.Duration(maxMult) * lo
}

// expectedConfirmations is k, the confirmations that bring a suspicion to
// its minimum timeout: SuspicionMult − 2, so that the nominal timeout is
// reached about two probe periods early, since nothing aligns the periods of
// different probers (memberlist). In a cluster too small to hold k
// confirmers besides this node and the suspect, it is 0.
func expectedConfirmations(suspicionMult, clusterSize int) int {
	k := suspicionMult - 2
	if clusterSize-2 < k {
		return 0
	}
	return max(k, 0)
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

// deadline is when the suspicion ends in a Dead verdict from this node. A
// node that suspected the member itself declares it at the timeout; any
// other waits one minimum timeout more, by when a suspecter's verdict has
// normally reached it. Each verdict is a cluster-wide broadcast, so without
// the wait every member of the cluster would broadcast one.
func (s *suspicion) deadline() time.Time {
	d := s.start.Add(suspicionTimeout(s.confirmations, s.k, s.lo, s.hi))
	if !s.ours {
		d = d.Add(s.lo)
	}
	return d
}
