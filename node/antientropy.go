package node

import (
	"slices"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

// stepCatalog handles the catalog protocol's direct messages: anti-entropy,
// the joiner's full sync and coordinate samples. Updates travel only inside
// broadcasts.
func (c *Core) stepCatalog(now time.Time, from overlay.Peer, msg overlay.Message) {
	switch m := msg.(type) {
	case Digest:
		c.answerDigest(from, m)
	case Records:
		c.offer(m.Bindings...)
		for _, r := range m.Records {
			c.applyRecord(now, r)
		}
		if unbound := c.settle(); len(m.Bindings) == 0 {
			c.requestBindings(from, unbound)
		}
		if len(m.Want) > 0 {
			// Want answers the digest this node sent, of AntiEntropyBuckets.
			c.sendBuckets(from, m.Want, c.cfg.AntiEntropyBuckets, nil)
		}
	case SyncRequest:
		if len(m.Members) > 0 {
			c.sendRecords(from, c.boundRecords(m.Members), nil, true)
		} else {
			c.sendRecords(from, c.cat.Members(), nil, true)
		}
	case SampleRequest:
		c.answerSample(from, m)
	case CoordinateSample:
		c.onSample(now, from, m)
	default:
		c.stats.Ignored++
	}
}

// startAntiEntropy opens a digest exchange with a random active peer, with
// a digest of the given number of buckets. The broadcasts keep catalogs
// equal almost always, so the routine exchange opens with one hash of the
// whole catalog and costs one small message; a peer whose hash differs
// answers with its full digest (answerDigest), and the exchange goes on
// from there. The exchanges that expect differences — over a new link,
// with a revived or dead member — open with the full digest at once.
func (c *Core) startAntiEntropy(buckets int) {
	active := c.hv.Active()
	if len(active) == 0 {
		return
	}
	peer := active[c.rng.IntN(len(active))]
	c.send(peer, Digest{Buckets: c.cat.Digest(buckets)})
	c.stats.AntiEntropy++
}

// syncWithNewNeighbor starts an anti-entropy exchange over a new link, from
// the end with the smaller ID so that one digest crosses it. A new link
// can join two parts of the cluster that know different members (islands
// formed at bootstrap, or the halves of a split overlay), and the
// broadcasts each part saw before will not be sent again.
func (c *Core) syncWithNewNeighbor(peer overlay.Peer) {
	if c.cfg.Self.ID < peer.ID {
		c.send(peer, Digest{Buckets: c.cat.Digest(c.cfg.AntiEntropyBuckets)})
		c.stats.AntiEntropy++
	}
}

// answerDigest sends back the records of every bucket that differs from the
// peer's, and asks for the peer's records of those buckets in return. A
// single differing hash is answered with this node's full digest instead,
// so that only the differing buckets travel.
func (c *Core) answerDigest(from overlay.Peer, m Digest) {
	if len(m.Buckets) == 0 || len(m.Buckets) > 4096 {
		c.stats.Ignored++
		return
	}
	mine := c.cat.Digest(len(m.Buckets))
	if len(mine) == 1 && c.cfg.AntiEntropyBuckets > 1 {
		if mine[0] != m.Buckets[0] {
			c.send(from, Digest{Buckets: c.cat.Digest(c.cfg.AntiEntropyBuckets)})
		}
		return
	}
	var differ []uint16
	for i, h := range mine {
		if h != m.Buckets[i] {
			differ = append(differ, uint16(i))
		}
	}
	if len(differ) > 0 {
		c.sendBuckets(from, differ, len(mine), differ)
	}
}

// sendBuckets sends the records of the given buckets, asking for want.
func (c *Core) sendBuckets(to overlay.Peer, buckets []uint16, of int, want []uint16) {
	var records []catalog.Record
	for _, b := range buckets {
		if int(b) < of {
			records = append(records, c.cat.Bucket(int(b), of)...)
		}
	}
	c.sendRecords(to, records, want, false)
}

// sendRecords sends records in chunks of at most MaxRecordsPerMessage; want
// rides on the first chunk, and each chunk carries the key bindings of its
// records if withBindings. Nothing is sent when there is nothing to say.
func (c *Core) sendRecords(to overlay.Peer, records []catalog.Record, want []uint16, withBindings bool) {
	for first := true; first || len(records) > 0; first = false {
		n := min(len(records), c.cfg.MaxRecordsPerMessage)
		if n == 0 && len(want) == 0 {
			return
		}
		m := Records{Records: records[:n], Want: want}
		if withBindings {
			m.Bindings = c.bindingsOf(m.Records)
		}
		c.send(to, m)
		records, want = records[n:], nil
	}
}

// reconnect tries a member believed dead: a join through it merges the two
// overlays if a partition has healed, and fails at once otherwise.
func (c *Core) reconnect() {
	c.widen()
	dead := c.cat.DeadMembers()
	if len(dead) == 0 {
		return
	}
	peer := dead[c.rng.IntN(len(dead))].Member
	c.hv.Join(peer)
	c.send(peer, Digest{Buckets: c.cat.Digest(c.cfg.AntiEntropyBuckets)})
	c.stats.Reconnects++
}

// widen joins through a random live member outside the active view when
// HyParView is starved. In a small cluster every known node can sit in the
// active views, leaving the passive views empty; one lost link then splits
// the overlay into parts that each still hold the other alive, so no probe
// crosses the split and no broadcast either. Joining across it mends that.
func (c *Core) widen() {
	if !c.hv.Starved() {
		return
	}
	active := c.hv.Active()
	outside := func(r catalog.Record) bool {
		return c.isLiveOther(r) && !slices.ContainsFunc(active, func(p overlay.Peer) bool { return p.ID == r.Member.ID })
	}
	if r, ok := c.cat.Sample(c.rng, 16, outside); ok {
		c.hv.Join(r.Member)
		c.stats.Widenings++
	}
}

// rejoin joins again through a random live member of the catalog when
// HyParView knows no peer any more.
func (c *Core) rejoin() {
	if r, ok := c.cat.Sample(c.rng, 16, c.isLiveOther); ok {
		c.hv.Join(r.Member)
		c.stats.Rejoins++
	}
}
