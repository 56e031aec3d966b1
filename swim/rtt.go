package swim

import "time"

// rttEstimate is RFC 6298's smoothed round-trip time of one peer, from
// which its probe timeout is drawn. Every ack of a direct ping is a
// sample, a late one included: a peer that slows down lengthens its own
// timeout with its first late ack, instead of being suspected at every
// probe.
type rttEstimate struct {
	srtt, rttvar time.Duration
	measured     bool
}

// observe folds in one sample, with RFC 6298 §2's gains α = 1/8 and
// β = 1/4.
func (e *rttEstimate) observe(rtt time.Duration) {
	if !e.measured {
		e.srtt, e.rttvar, e.measured = rtt, rtt/2, true
		return
	}
	dev := e.srtt - rtt
	if dev < 0 {
		dev = -dev
	}
	e.rttvar = (3*e.rttvar + dev) / 4
	e.srtt = (7*e.srtt + rtt) / 8
}

// timeout is SRTT + 4·RTTVAR within [lo, hi], or initial before any
// sample.
func (e *rttEstimate) timeout(initial, lo, hi time.Duration) time.Duration {
	if !e.measured {
		return initial
	}
	return min(max(e.srtt+4*e.rttvar, lo), hi)
}
