package swim

import "time"

// localHealth is Lifeguard's Local Health Multiplier (LHM, the paper's
// LHA-Probe; memberlist's "awareness"): a saturating score in 0..max−1 that
// rises on evidence that this node, not its peers, is slow, and falls with
// each probe that succeeds. Probe intervals and timeouts are multiplied by
// score+1, so a node that cannot keep up probes less often and waits longer
// before it blames others.
type localHealth struct {
	score int
	max   int
}

// apply adds delta to the score, clamped to 0..max−1.
func (h *localHealth) apply(delta int) {
	h.score = min(max(h.score+delta, 0), h.max-1)
}

// scale stretches d by the multiplier score+1.
func (h *localHealth) scale(d time.Duration) time.Duration {
	return time.Duration(h.score+1) * d
}
