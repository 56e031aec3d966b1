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

// nearestCandidate returns a member to measure: one of the first
// NearestCandidates instances of a service in this node's datacenter (or
// the one it fails over to), ranked as queries rank them, whose measured
// RTT is missing or older than half of MeasuredRTTMaxAge. The services are
// taken in turn, from the one after the last looked at, maxServicesPerTarget
// at most.
func (c *Core) nearestCandidate(now time.Time) (overlay.Peer, bool) {
	snap := c.cat.Snapshot()
	names := snap.ServiceNames()
	start, found := slices.BinarySearch(names, c.targetCursor)
	if found {
		start++
	}
	measured := c.rtts.snapshot()
	for k := range min(len(names), maxServicesPerTarget) {
		name := names[(start+k)%len(names)]
		c.targetCursor = name
		res := snap.Nearest(catalog.Query{
			Service: name, FromDatacenter: c.cfg.Datacenter, From: c.viv.Smoothed(),
			N: c.cfg.NearestCandidates, Measured: measured.Lookup,
		})
		for _, in := range res.Instances {
			if in.Member.ID == c.cfg.Self.ID {
				continue
			}
			if m, ok := measured.Get(in.Member.ID); ok && now.Sub(m.At) < c.cfg.MeasuredRTTMaxAge/2 {
				continue
			}
			return in.Member, true
		}
	}
	return overlay.Peer{}, false
}
