package node

import (
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// probeSampler lets a probe's RTT feed Vivaldi a full step at most once
// per interval for each peer; the probes in between take a fraction of one
// (Config.ProbeRepeatWeight). SWIM probes the same few active peers over
// and over; fed every probe in full, Vivaldi fits those few at the expense
// of the rest of the cluster, whose random coordinate samples then count
// for a quarter of the updates. On the PlanetLab matrix, a node's nearest pick from fresh
// coordinates was right 0.69 of the time with every probe fed, and 0.77
// with each active peer fed about once (loadtest/RESULTS.md, 2026-12-02).
type probeSampler struct {
	interval time.Duration
	last     map[overlay.NodeID]time.Time
}

// probeSamplerPrune is the size past which the sampler forgets the peers
// it fed longer than an interval ago: a node probes its few active peers
// and the occasional indirect target.
const probeSamplerPrune = 64

func newProbeSampler(interval time.Duration) probeSampler {
	return probeSampler{interval: interval, last: make(map[overlay.NodeID]time.Time)}
}

// take reports whether a probe of peer at now may take a full step, and if
// so counts it.
func (s *probeSampler) take(now time.Time, peer overlay.NodeID) bool {
	if last, ok := s.last[peer]; ok && now.Sub(last) < s.interval {
		return false
	}
	s.last[peer] = now
	if len(s.last) > probeSamplerPrune {
		for id, at := range s.last {
			if now.Sub(at) >= s.interval {
				delete(s.last, id)
			}
		}
	}
	return true
}
