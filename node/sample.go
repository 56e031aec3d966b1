package node

import (
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

// sampleRequest is a coordinate sample on its way.
//
// A sample takes two exchanges with the member: a warm-up, then the one
// that is measured. The member is usually outside the active view, so the
// first message to it opens a connection, and over QUIC its answer comes
// back after the handshake and the transport's hellos, two to three round
// trips instead of one. The second exchange runs on the open connection.
// (In full agents on PlanetLab latencies over simnet, measuring the first
// exchange left a median relative error of 1.1; node/daemon's test.)
type sampleRequest struct {
	peer   overlay.Peer
	seq    uint32
	sentAt time.Time
	// warm is set once the warm-up has been answered: seq and sentAt are
	// then the measured exchange's.
	warm bool
	// targeted marks a sample that confirms a nearest answer.
	targeted bool
}

// requestSample asks a live member for its coordinate, one at a time: a
// random one, or every other time one that a nearest answer needs
// measured (sampleTarget). An unanswered request is dropped after
// sampleTimeout, and an unanswered targeted one backs its member off. A
// member that did not even answer the warm-up gets a SWIM probe
// (swim.Node.Check): random samples thus watch members that no active
// neighbour of this node's side of a partition would ever probe.
func (c *Core) requestSample(now time.Time) {
	if c.sample != nil && now.Sub(c.sample.sentAt) < sampleTimeout {
		return
	}
	if c.sample != nil && !c.sample.warm {
		c.sw.Check(now, c.sample.peer)
	}
	if c.sample != nil && c.sample.targeted {
		c.backOff(now, c.sample.peer.ID)
	}
	peer, targeted := c.sampleTarget(now)
	if !targeted {
		r, found := c.cat.Sample(c.rng, 4, c.isLiveOther)
		if !found {
			return
		}
		peer = r.Member
	}
	c.sampleSeq++
	c.sample = &sampleRequest{peer: peer, seq: c.sampleSeq, sentAt: now, targeted: targeted}
	c.send(peer, SampleRequest{Seq: c.sampleSeq, Warmup: true})
}

// isLiveOther reports whether r is a live member other than this node.
func (c *Core) isLiveOther(r catalog.Record) bool {
	return r.Member.ID != c.cfg.Self.ID && (r.Status == catalog.Alive || r.Status == catalog.Suspect)
}

// answerSample sends this node's coordinate to a member that asked; a
// warm-up is answered with its sequence number alone.
func (c *Core) answerSample(from overlay.Peer, m SampleRequest) {
	if m.Warmup {
		c.send(from, CoordinateSample{Seq: m.Seq})
		return
	}
	c.send(from, CoordinateSample{Coordinate: c.viv.Coordinate(), Seq: m.Seq})
}

// onSample feeds the answer to this node's sample request to Vivaldi.
func (c *Core) onSample(now time.Time, from overlay.Peer, m CoordinateSample) {
	req := c.sample
	if req == nil || req.peer.ID != from.ID || req.seq != m.Seq {
		c.stats.Ignored++
		return
	}
	if !req.warm {
		c.sampleSeq++
		req.seq, req.sentAt, req.warm = c.sampleSeq, now, true
		c.send(from, SampleRequest{Seq: req.seq})
		return
	}
	c.sample = nil
	c.updateCoordinate(from, m.Coordinate, now.Sub(req.sentAt), 1)
	c.rtts.observe(now, from.ID, now.Sub(req.sentAt))
}
