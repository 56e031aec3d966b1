package node

import (
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

// sampleRequest is a coordinate sample on its way.
type sampleRequest struct {
	peer   overlay.Peer
	seq    uint32
	sentAt time.Time
}

// requestSample asks a random live member for its coordinate, one at a
// time; an unanswered request is dropped after sampleTimeout.
func (c *Core) requestSample(now time.Time) {
	if c.sample != nil && now.Sub(c.sample.sentAt) < sampleTimeout {
		return
	}
	r, ok := c.cat.Sample(c.rng, 4, c.isLiveOther)
	if !ok {
		return
	}
	c.sampleSeq++
	c.sample = &sampleRequest{peer: r.Member, seq: c.sampleSeq, sentAt: now}
	c.send(r.Member, SampleRequest{Seq: c.sampleSeq})
}

// isLiveOther reports whether r is a live member other than this node.
func (c *Core) isLiveOther(r catalog.Record) bool {
	return r.Member.ID != c.cfg.Self.ID && (r.Status == catalog.Alive || r.Status == catalog.Suspect)
}

// answerSample sends this node's coordinate to a member that asked.
func (c *Core) answerSample(from overlay.Peer, m SampleRequest) {
	c.send(from, CoordinateSample{Coordinate: c.viv.Coordinate(), Seq: m.Seq})
}

// onSample feeds the answer to this node's sample request to Vivaldi.
func (c *Core) onSample(now time.Time, from overlay.Peer, m CoordinateSample) {
	req := c.sample
	if req == nil || req.peer.ID != from.ID || req.seq != m.Seq {
		c.stats.Ignored++
		return
	}
	c.sample = nil
	c.updateCoordinate(from, m.Coordinate, now.Sub(req.sentAt))
}
