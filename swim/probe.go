package swim

import (
	"slices"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// probe is this node's probe of one peer during one protocol period (SWIM
// §3.1): a direct ping; after the timeout, PingReqs to helpers; at the end
// of the period, a verdict.
type probe struct {
	target overlay.Peer
	seq    uint32
	sentAt time.Time
	// timeout is the wait for a direct ack, stretched by local health.
	timeout time.Duration
	// deadline is the end of the protocol period.
	deadline time.Time
	// indirect is set once the timeout has passed, whether or not any
	// helper could be asked.
	indirect bool
	helpers  []overlay.NodeID
	nackedBy []overlay.NodeID
}

// tickProbe moves the outstanding probe on, and starts the next one when a
// period begins.
func (n *Node) tickProbe(now time.Time) {
	if p := n.probe; p != nil {
		if !p.indirect && !now.Before(p.sentAt.Add(p.timeout)) {
			n.startIndirect(now, p)
		}
		if !now.Before(p.deadline) {
			n.probe = nil
			n.probeEnded(now, p)
		}
	}
	if n.nextProbe.IsZero() {
		// Spread the first period over one interval so that nodes started
		// together do not probe in lockstep.
		n.nextProbe = now.Add(time.Duration(n.rng.Int64N(int64(n.cfg.ProbeInterval))))
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
	n.probe = &probe{
		target:   target,
		seq:      n.nextSeq(),
		sentAt:   now,
		timeout:  n.health.scale(n.cfg.ProbeTimeout),
		deadline: n.nextProbe,
	}
	n.send(target, Ping{Seq: n.probe.seq, Target: target.ID})
	n.stats.ProbesSent++
}

// startIndirect asks up to IndirectChecks other active peers to probe the
// target (SWIM §3.1's ping-req). When the period is already over — the
// node was not ticked in time — no helper is asked.
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

// probeEnded ends a period without any ack: the target is suspected.
//
// Unless this node was not ticked for a whole period past the deadline:
// then it was itself stalled (a pause of the process or its host), any ack
// may be waiting unread, and the silence proves nothing against the target.
// The probe is abandoned and only local health rises.
//
// Local health rises by one, except when every helper asked sent its nack:
// timely nacks show that this node and its helpers are responsive and the
// target is really unreachable, so the failure says nothing about this
// node (memberlist's rule). A missed nack, or a failure with no helper to
// ask, is the evidence Lifeguard's LHA-Probe counts against this node.
func (n *Node) probeEnded(now time.Time, p *probe) {
	if period := p.deadline.Sub(p.sentAt); now.Sub(p.deadline) >= period {
		n.stats.ProbesAbandoned++
		n.health.apply(1)
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
		n.forwardAck(from, m)
		return
	}
	switch {
	case from.ID == p.target.ID:
		n.stats.ProbesAcked++
		n.emit(ProbeRTT{Peer: p.target, RTT: now.Sub(p.sentAt), Payload: m.Payload})
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
