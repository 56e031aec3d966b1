package swim

import (
	"math"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// relay is an indirect probe this node runs as a helper: it pinged target
// under its own seq, and forwards the ack to the requester under reqSeq.
type relay struct {
	seq       uint32
	target    overlay.NodeID
	requester overlay.Peer
	reqSeq    uint32
	// nackAt is when the requester is told that no ack came (Lifeguard's
	// LHA-Probe: after 80% of the requester's timeout); expireAt is when the
	// relay is forgotten.
	nackAt   time.Time
	expireAt time.Time
	nacked   bool
}

// maxRelays bounds the indirect probes served at once. A node is asked by
// its requesters' active peers once per period at most, a handful; the
// bound only matters against a peer that floods PingReqs.
const maxRelays = 256

// nackPercent is the share of the requester's timeout after which a helper
// that heard nothing from the target sends its nack, leaving the nack time
// to arrive before the requester's period ends (Lifeguard's LHA-Probe).
const nackPercent = 80

// handlePingReq pings the target on the requester's behalf. The target
// need not be an active peer of this node: the transport dials it.
func (n *Node) handlePingReq(now time.Time, from overlay.Peer, m PingReq) {
	switch {
	case m.Target.Validate() != nil || m.Target.ID == n.cfg.Self.ID || m.Target.ID == from.ID:
		n.stats.Ignored++
		return
	case len(n.relays) >= maxRelays:
		n.stats.RelaysDropped++
		return
	}
	for _, r := range n.relays {
		if r.requester.ID == from.ID && r.reqSeq == m.Seq {
			n.stats.Ignored++ // a duplicate
			return
		}
	}
	timeout := n.relayTimeout(m.TimeoutMillis)
	r := relay{
		seq:       n.nextSeq(),
		target:    m.Target.ID,
		requester: from,
		reqSeq:    m.Seq,
		nackAt:    now.Add(timeout * nackPercent / 100),
		expireAt:  now.Add(timeout),
	}
	n.relays = append(n.relays, r)
	n.send(m.Target, Ping{Seq: r.seq, Target: m.Target.ID})
	n.stats.RelaysStarted++
}

// relayTimeout is the requester's timeout, bounded by the longest this
// node's own configuration would ever use, so that a peer cannot make a
// relay live for long; zero means this node's ProbeTimeout.
func (n *Node) relayTimeout(millis uint32) time.Duration {
	if millis == 0 {
		return n.cfg.ProbeTimeout
	}
	longest := time.Duration(n.cfg.MaxLocalHealth) * n.maxProbeTimeout()
	return min(time.Duration(millis)*time.Millisecond, longest)
}

// forwardAck passes the target's ack of a relay to its requester.
func (n *Node) forwardAck(from overlay.Peer, m Ack) {
	for i, r := range n.relays {
		if r.seq != m.Seq {
			continue
		}
		if from.ID != r.target {
			n.stats.WrongPeer++
			return
		}
		n.relays = append(n.relays[:i], n.relays[i+1:]...)
		n.send(r.requester, Ack{Seq: r.reqSeq, Payload: m.Payload, Incarnation: m.Incarnation})
		return
	}
	n.stats.UnknownSeq++
}

// tickRelays sends the nacks that are due and forgets expired relays. A
// relay outlives its nack so that a late ack is still forwarded.
func (n *Node) tickRelays(now time.Time) {
	kept := n.relays[:0]
	for _, r := range n.relays {
		if !r.nacked && !now.Before(r.nackAt) {
			r.nacked = true
			n.send(r.requester, Nack{Seq: r.reqSeq})
			n.stats.NacksSent++
		}
		if now.Before(r.expireAt) {
			kept = append(kept, r)
		}
	}
	n.relays = kept
}

// durationMillis converts d to whole milliseconds for the wire, at least 1
// and saturating at the field's maximum.
func durationMillis(d time.Duration) uint32 {
	ms := d.Milliseconds()
	return uint32(min(max(ms, 1), math.MaxUint32))
}
