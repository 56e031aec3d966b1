package node

import (
	"slices"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

// maxServicesPerTarget bounds the services looked at to find the target of
// one coordinate sample, so that a catalog of thousands of services costs
// each sample a few nearest queries at most.
const maxServicesPerTarget = 8

// sampleTarget returns the member the next coordinate sample should
// measure to confirm a nearest answer, if this is a targeted sample's turn
// and a candidate lacks a fresh measurement; every other sample stays
// random, so that Vivaldi keeps seeing the whole cluster.
func (c *Core) sampleTarget(now time.Time) (overlay.Peer, bool) {
	c.targetTurn = !c.targetTurn
	if !c.targetTurn {
		return overlay.Peer{}, false
	}
	p, ok := c.nearestCandidate(now)
	if ok {
		c.stats.TargetedSamples++
	}
	return p, ok
}

// nearestCandidate returns a member to measure: one of the
// ConfirmationCandidates of a service in this node's datacenter (or the one
// it fails over to), ranked as queries rank them, whose measured RTT is
// missing or older than half of MeasuredRTTMaxAge, and which has not left
// a targeted sample unanswered within that time. The services are taken in
// turn, from the one after the last looked at, maxServicesPerTarget at
// most.
func (c *Core) nearestCandidate(now time.Time) (overlay.Peer, bool) {
	snap := c.cat.Snapshot()
	names := snap.ServiceNames()
	start, found := slices.BinarySearch(names, c.targetCursor)
	if found {
		start++
	}
	measured := c.rtts.snapshot()
	from := c.viv.Smoothed() // as queries rank from this node
	for k := range min(len(names), maxServicesPerTarget) {
		name := names[(start+k)%len(names)]
		c.targetCursor = name
		res := snap.Nearest(catalog.Query{
			Service: name, FromDatacenter: c.cfg.Datacenter, From: from,
			N: 2 * c.cfg.NearestCandidates, Measured: measured.Lookup,
		})
		for _, in := range ConfirmationCandidates(res, c.cfg.NearestCandidates, from.Error) {
			if in.Member.ID == c.cfg.Self.ID {
				continue
			}
			if m, ok := measured.Get(in.Member.ID); ok && now.Sub(m.At) < c.cfg.MeasuredRTTMaxAge/2 {
				continue
			}
			if c.backingOff(now, in.Member.ID) {
				continue
			}
			return in.Member, true
		}
	}
	return overlay.Peer{}, false
}

// ConfirmationCandidates returns the instances of a ranked nearest answer
// that an agent confirms by measuring them: the first k, and any later one
// whose estimated RTT is within the asker's coordinate error (Vivaldi's
// relative error estimate, fromError) of the k-th's. An estimate that far
// off may hide a nearer instance: in 20 agents over PlanetLab latencies,
// confirming only the first three left an agent answering 1.4–2.2× the
// best RTT in 3 of 12 runs (node/daemon's nearest test).
func ConfirmationCandidates(res catalog.Result, k int, fromError float64) []catalog.Instance {
	if len(res.Instances) <= k || k == 0 {
		return res.Instances
	}
	bound := time.Duration(float64(res.Instances[k-1].EstimatedRTT) * (1 + fromError))
	n := k
	for n < len(res.Instances) && res.Instances[n].RTTKnown && res.Instances[n].EstimatedRTT <= bound {
		n++
	}
	return res.Instances[:n]
}

// backOff records that member left a targeted sample unanswered. It is
// not targeted again for half of MeasuredRTTMaxAge, the age at which a
// measured candidate is refreshed, so one unreachable candidate cannot
// take every targeted turn. Expired entries go at each call, which bounds
// the map by the targeted samples in that time.
func (c *Core) backOff(now time.Time, member overlay.NodeID) {
	for id := range c.unanswered {
		if !c.backingOff(now, id) {
			delete(c.unanswered, id)
		}
	}
	c.unanswered[member] = now
}

// backingOff reports whether member is backed off at now.
func (c *Core) backingOff(now time.Time, member overlay.NodeID) bool {
	at, ok := c.unanswered[member]
	return ok && now.Sub(at) < c.cfg.MeasuredRTTMaxAge/2
}
