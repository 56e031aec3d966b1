package swim

import (
	"slices"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// probe is this node's probe of one peer (SWIM §3.1): a direct ping; after
// the peer's probe timeout, PingReqs to helpers; after as long again, a
// verdict.
type probe struct {
	target overlay.Peer
	seq    uint32
	sentAt time.Time
	// timeout is the wait for a direct ack: the target's own (see
	// probeTimeout), stretched by local health.
	timeout time.Duration
	// deadline is the verdict, timeout after the PingReqs; it waits up to
	// nackGrace more for helpers' nacks still due (see verdictDue).
	deadline time.Time
	// indirect is set once the timeout has passed, whether or not any
	// helper could be asked.
	indirect bool
	helpers  []overlay.NodeID
	nackedBy []overlay.NodeID
}

// verdictDue reports whether probe p ends now: its deadline has passed,
// and either every helper asked has nacked or the nacks still due are
// late by nackGrace. Helpers send their nack at 80% of the timeout, and
// each side acts only on its ticks, so a nack may reach a healthy requester
// a tick or two after the deadline; without the grace, the healthy would
// count that as a missed nack against themselves (LHA-Probe). An ack
// during the grace still answers the probe.
func (n *Node) verdictDue(now time.Time, p *probe) bool {
	if now.Before(p.deadline) {
		return false
	}
	return len(p.nackedBy) >= len(p.helpers) || !now.Before(p.deadline.Add(n.nackGrace(p)))
}

// nackGrace is how long a probe's verdict waits past its deadline for nacks
// still due: the probe's timeout, and at least half a protocol period.
func (n *Node) nackGrace(p *probe) time.Duration {
	return max(p.timeout, n.cfg.ProbeInterval/2)
}

// endedProbe is a probe that ended without the target's ack, kept so that
// the ack still counts if it comes late.
type endedProbe struct {
	seq    uint32
	target overlay.NodeID
	sentAt time.Time
}

// maxEndedProbes bounds the unanswered probes remembered for late acks: a
// few probe periods' worth.
const maxEndedProbes = 8

// tickProbe moves the outstanding probe on, and starts the next one: an
// urgent probe at once, or the next period's when it begins.
func (n *Node) tickProbe(now time.Time) {
	if p := n.probe; p != nil {
		if !p.indirect && !now.Before(p.sentAt.Add(p.timeout)) {
			n.startIndirect(now, p)
		}
		if n.verdictDue(now, p) {
			n.probe = nil
			n.remember(p)
			n.probeEnded(now, p)
		}
	}
	if n.nextProbe.IsZero() {
		// Spread the first period over one interval so that nodes started
		// together do not probe in lockstep.
		n.nextProbe = now.Add(time.Duration(n.rng.Int64N(int64(n.cfg.ProbeInterval))))
	}
	if n.probe == nil {
		n.startUrgentProbe(now)
	}
	if n.probe == nil && !now.Before(n.nextProbe) {
		n.startProbe(now)
	}
}

// startProbe begins a protocol period, stretched by local health, and
// pings its target: a departed neighbour owed a last probe first, otherwise
// the next peer of the rotation.
func (n *Node) startProbe(now time.Time) {
	period := n.health.scale(n.cfg.ProbeInterval)
	n.nextProbe = now.Add(period)
	var target overlay.Peer
	if len(n.farewell) > 0 {
		target, n.farewell = n.farewell[0], n.farewell[1:]
	} else if p, ok := n.rotation.pick(n.rng); ok {
		target = p
	} else {
		return
	}
	n.ping(now, target)
}

// probeUrgently queues a probe of an active peer that another node
// suspects, or of a departed one still owed its last probe, to run as soon
// as no probe of this node is outstanding instead of at its turn, up to a
// round later. A suspicion of a crashed member is then confirmed by its
// other neighbours within one probe, and a false one is answered as fast.
func (n *Node) probeUrgently(id overlay.NodeID) {
	if _, ok := n.probeCandidate(id); !ok || slices.Contains(n.urgent, id) || (n.probe != nil && n.probe.target.ID == id) {
		return
	}
	n.urgent = append(n.urgent, id)
}

// probeCandidate returns peer id if it is in the rotation or owed a last
// probe.
func (n *Node) probeCandidate(id overlay.NodeID) (overlay.Peer, bool) {
	if i := n.rotation.index(id); i >= 0 {
		return n.rotation.peers[i], true
	}
	if i := slices.IndexFunc(n.farewell, func(p overlay.Peer) bool { return p.ID == id }); i >= 0 {
		return n.farewell[i], true
	}
	return overlay.Peer{}, false
}

// startUrgentProbe pings the first queued suspect still a candidate and
// still suspected. A departed one has its last probe then.
func (n *Node) startUrgentProbe(now time.Time) {
	for len(n.urgent) > 0 {
		id := n.urgent[0]
		n.urgent = n.urgent[1:]
		p, ok := n.probeCandidate(id)
		if m, known := n.members[id]; !ok || !known || m.state != StateSuspect {
			continue
		}
		n.farewell = slices.DeleteFunc(n.farewell, func(f overlay.Peer) bool { return f.ID == id })
		n.stats.UrgentProbes++
		n.ping(now, p)
		return
	}
}

// ping starts a probe of target.
func (n *Node) ping(now time.Time, target overlay.Peer) {
	timeout := n.health.scale(n.probeTimeout(target.ID))
	n.probe = &probe{
		target:   target,
		seq:      n.nextSeq(),
		sentAt:   now,
		timeout:  timeout,
		deadline: now.Add(2 * timeout),
	}
	n.send(target, Ping{Seq: n.probe.seq, Target: target.ID})
	n.stats.ProbesSent++
}

// probeTimeout is the wait for a direct ack of peer id before local
// health: RFC 6298's retransmission timeout from the peer's measured round
// trips, within MinProbeTimeout and maxProbeTimeout, or ProbeTimeout for
// a peer never measured. Other peers' round trips say nothing of this one:
// a first timeout drawn from them would judge a peer that is slow from the
// start by its fast neighbours, and suspect it before it was ever measured.
func (n *Node) probeTimeout(id overlay.NodeID) time.Duration {
	var est rttEstimate
	if m, ok := n.members[id]; ok {
		est = m.rtt
	}
	return est.timeout(n.cfg.ProbeTimeout, n.cfg.MinProbeTimeout, n.maxProbeTimeout())
}

// observeRTT folds a round trip to p into its estimate.
func (n *Node) observeRTT(p overlay.Peer, rtt time.Duration) {
	n.record(p).rtt.observe(rtt)
}

// maxProbeTimeout caps a measured peer's probe timeout at half the maximum
// suspicion timeout, so that a probe's verdict never takes longer than an
// unconfirmed suspicion.
func (n *Node) maxProbeTimeout() time.Duration {
	_, hi := suspicionBounds(n.cfg)
	return max(hi/2, n.cfg.ProbeTimeout)
}

// remember keeps an unanswered probe for a late ack, forgetting the
// oldest beyond maxEndedProbes.
func (n *Node) remember(p *probe) {
	if len(n.ended) >= maxEndedProbes {
		n.ended = n.ended[1:]
	}
	n.ended = append(n.ended, endedProbe{seq: p.seq, target: p.target.ID, sentAt: p.sentAt})
}

// startIndirect asks up to IndirectChecks other active peers to probe the
// target (SWIM §3.1's ping-req). When the verdict is already due — the node
// was not ticked in time — no helper is asked.
func (n *Node) startIndirect(now time.Time, p *probe) {
	p.indirect = true
	if !now.Before(p.deadline) {
		return
	}
	req := PingReq{Seq: p.seq, Target: p.target, TimeoutMillis: durationMillis(p.timeout)}
	for _, h := range n.rotation.sample(n.rng, n.cfg.IndirectChecks, p.target.ID) {
		p.helpers = append(p.helpers, h.ID)
		n.send(h, req)
		n.stats.PingReqsSent++
	}
}

// probeEnded ends a probe without any ack: the target is suspected.
//
// Unless this node was not ticked for the probe's whole length, or a whole
// protocol period, past its deadline: then it was itself stalled (a pause of the process or its
// host), any ack may be waiting unread, and the silence proves nothing
// against the target. The probe is abandoned and only local health rises.
//
// Or unless the target was heard from after the ping went out: it is
// running, only slow to answer, and its late ack will lengthen its timeout
// (see Heard). Nothing is suspected and local health does not change.
//
// Local health rises by one, except when every helper asked sent its nack:
// timely nacks show that this node and its helpers are responsive and the
// target is really unreachable, so the failure says nothing about this
// node (memberlist's rule). A missed nack, or a failure with no helper to
// ask, is the evidence Lifeguard's LHA-Probe counts against this node.
func (n *Node) probeEnded(now time.Time, p *probe) {
	if stall := max(p.deadline.Sub(p.sentAt), n.cfg.ProbeInterval) + n.nackGrace(p); now.Sub(p.deadline) >= stall {
		n.stats.ProbesAbandoned++
		n.health.apply(1)
		return
	}
	if n.heardSince(p.target.ID, p.sentAt) {
		n.stats.ProbesOutlived++
		return
	}
	n.stats.ProbesFailed++
	if len(p.helpers) == 0 || len(p.nackedBy) < len(p.helpers) {
		n.health.apply(1)
	}
	n.suspectTarget(now, p.target)
}

// handlePing answers a ping meant for this node.
func (n *Node) handlePing(from overlay.Peer, m Ping) {
	if m.Target != "" && m.Target != n.cfg.Self.ID {
		n.stats.Ignored++
		return
	}
	n.send(from, Ack{Seq: m.Seq, Payload: n.ackPayload, Incarnation: n.incarnation})
}

// handleAck completes this node's probe, from its target or from a helper
// asked, or forwards an ack to the requester of a relay.
func (n *Node) handleAck(now time.Time, from overlay.Peer, m Ack) {
	p := n.probe
	if p == nil || p.seq != m.Seq {
		if !n.lateAck(now, from, m) {
			n.forwardAck(from, m)
		}
		return
	}
	switch {
	case from.ID == p.target.ID:
		n.stats.ProbesAcked++
		rtt := now.Sub(p.sentAt)
		n.observeRTT(p.target, rtt)
		n.emit(ProbeRTT{Peer: p.target, RTT: rtt, Payload: m.Payload})
		n.learnIncarnation(now, from, m.Incarnation)
	case slices.Contains(p.helpers, from.ID):
		n.stats.IndirectAcks++
	default:
		n.stats.WrongPeer++
		return
	}
	n.probe = nil
	n.health.apply(-1)
}

// lateAck takes the target's ack of a probe that already ended, and
// reports whether m was one. The round trip it measures goes into the
// target's estimate, so that the next probe waits long enough; it is not
// reported as a ProbeRTT, since a slow peer's lag is no network distance.
func (n *Node) lateAck(now time.Time, from overlay.Peer, m Ack) bool {
	i := slices.IndexFunc(n.ended, func(e endedProbe) bool { return e.seq == m.Seq })
	if i < 0 || n.ended[i].target != from.ID {
		return false
	}
	e := n.ended[i]
	n.ended = slices.Delete(n.ended, i, i+1)
	n.stats.LateAcks++
	n.observeRTT(from, now.Sub(e.sentAt))
	n.learnIncarnation(now, from, m.Incarnation)
	return true
}

// handleNack records a helper's nack for the outstanding probe.
func (n *Node) handleNack(from overlay.Peer, m Nack) {
	p := n.probe
	switch {
	case p == nil || p.seq != m.Seq:
		n.stats.UnknownSeq++
	case !slices.Contains(p.helpers, from.ID) || slices.Contains(p.nackedBy, from.ID):
		n.stats.WrongPeer++
	default:
		p.nackedBy = append(p.nackedBy, from.ID)
		n.stats.NacksReceived++
	}
}
