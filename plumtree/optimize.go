package plumtree

import (
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// optimizer holds the evidence and the swap back-off of the tree
// optimisations, whose rules and guarantees the package comment describes.
type optimizer struct {
	swaps int       // swaps since the neighbour set last changed
	next  time.Time // earliest time of the next swap
	// streaks counts, per lazy peer, the consecutive messages that arrived
	// through one eager sender on which that peer offered the better path.
	streaks map[overlay.NodeID]streak
}

// streak is a run of evidence for one lazy peer against one eager sender.
type streak struct {
	sender overlay.NodeID
	count  int
}

// maxCooldown caps the back-off so that the arithmetic cannot overflow.
const maxCooldown = time.Duration(1) << 60

func (o *optimizer) reset() { *o = optimizer{} }

func (o *optimizer) allowed(now time.Time) bool { return !now.Before(o.next) }

// record notes a swap at now and pushes the next allowed swap out by
// base·2^(swaps-1), capped at maxCooldown.
func (o *optimizer) record(now time.Time, base time.Duration) {
	o.swaps++
	wait := min(base, maxCooldown)
	for i := 1; i < o.swaps && wait < maxCooldown; i++ {
		wait = min(2*wait, maxCooldown) // 2*wait ≤ 2^61: no overflow
	}
	o.next = now.Add(wait)
}

// observe records whether peer offered a better path than sender for a
// message that arrived through sender, and returns the length of its
// current streak against sender. Evidence against the peer, or about
// another sender, starts the count again. One message only speaks for its
// own root: a path shorter for that root is longer for roots on the other
// side, and swapping on every such message reshapes the shared tree for
// whichever root spoke last. A peer that beats the sender on consecutive
// messages, whatever their roots, is the better parent on average.
func (o *optimizer) observe(peer, sender overlay.NodeID, better bool) int {
	if !better {
		delete(o.streaks, peer)
		return 0
	}
	if o.streaks == nil {
		o.streaks = map[overlay.NodeID]streak{}
	}
	s := o.streaks[peer]
	if s.sender != sender {
		s = streak{sender: sender}
	}
	s.count++
	o.streaks[peer] = s
	return s.count
}

// optimizationRule names the rule that preferred a lazy path.
type optimizationRule int

const (
	noRule optimizationRule = iota
	hopRule
	latencyRule
)

// eagerPath is how one message reached this node.
type eagerPath struct {
	sender overlay.NodeID
	round  int
	at     time.Time
}

// preferLazy returns the rule by which announcement a beats the eager
// path p, or noRule.
func (n *Node) preferLazy(p eagerPath, a announcement) optimizationRule {
	if n.cfg.hopRuleEnabled() && p.round-a.round >= n.cfg.OptimizationThreshold {
		return hopRule
	}
	if !n.cfg.LatencyOptimization {
		return noRule
	}
	if n.cfg.EstimateRTT != nil {
		rttSender, okSender := n.cfg.EstimateRTT(p.sender)
		rttAnnouncer, okAnnouncer := n.cfg.EstimateRTT(a.peer)
		if okSender && okAnnouncer {
			if a.lazyArrival.Before(p.at) && (rttSender-rttAnnouncer)/2 > n.cfg.LatencyMargin {
				return latencyRule
			}
			return noRule
		}
	}
	if p.at.Sub(a.lazyArrival) > n.cfg.LatencyMargin {
		return latencyRule
	}
	return noRule
}

// optimizeOnGossip runs when a message that lazy peers had announced
// arrives by eager push. Among the announcements with enough evidence, a
// hop-rule winner with the smallest round is preferred, then a latency-rule
// winner with the earliest lazyArrival.
func (n *Node) optimizeOnGossip(now time.Time, sender overlay.NodeID, round int, announcements []announcement) {
	p := eagerPath{sender: sender, round: round, at: now}
	var best announcement
	bestRule := noRule
	for _, a := range announcements {
		if a.peer == sender || !n.peers.isLazy(a.peer) {
			continue
		}
		rule := n.preferLazy(p, a)
		if n.opt.observe(a.peer, sender, rule != noRule) < n.cfg.OptimizationEvidence {
			continue
		}
		if bestRule == noRule || outranks(rule, a, bestRule, best) {
			best, bestRule = a, rule
		}
	}
	if bestRule != noRule {
		n.swap(now, best.peer, sender, bestRule)
	}
}

// outranks reports whether announcement a, preferred by rule, is a better
// swap than best, preferred by bestRule.
func outranks(rule optimizationRule, a announcement, bestRule optimizationRule, best announcement) bool {
	switch {
	case rule != bestRule:
		return rule == hopRule
	case rule == hopRule:
		return a.round < best.round
	default:
		return a.lazyArrival.Before(best.lazyArrival)
	}
}

// optimizeOnIHave runs when a lazy peer announces a message already
// received.
func (n *Node) optimizeOnIHave(now time.Time, rec seenRecord, a announcement) {
	if rec.repaired || rec.from == n.cfg.Self {
		return
	}
	rule := n.preferLazy(eagerPath{sender: rec.from, round: int(rec.round), at: rec.at()}, a)
	if n.opt.observe(a.peer, rec.from, rule != noRule) >= n.cfg.OptimizationEvidence {
		n.swap(now, a.peer, rec.from, rule)
	}
}

// swap grafts the announcer without a resend and prunes the sender, if the
// back-off allows it and the two links still have the roles to swap.
func (n *Node) swap(now time.Time, announcer, sender overlay.NodeID, rule optimizationRule) {
	if announcer == sender || !n.opt.allowed(now) || !n.peers.isLazy(announcer) || !n.peers.isEager(sender) {
		return
	}
	a, _ := n.peers.get(announcer)
	s, _ := n.peers.get(sender)
	a.eager = true
	n.send(a, Graft{})
	n.stats.GraftsSent++
	s.eager = false
	n.sendPrune(s)
	n.opt.record(now, n.cfg.OptimizationCooldown)
	clear(n.opt.streaks)
	if rule == hopRule {
		n.stats.HopOptimizations++
	} else {
		n.stats.LatencyOptimizations++
	}
}
