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
			// Want answers the digest this node sent, of Of buckets (of
			// AntiEntropyBuckets from a peer that does not say).
			of := int(m.Of)
			if of == 0 {
				of = c.cfg.AntiEntropyBuckets
			}
			c.sendBuckets(from, m.Want, of, nil)
		}
	case SyncRequest:
		if len(m.Members) > 0 {
			c.sendRecords(from, c.boundRecords(m.Members), nil, 0, true)
		} else {
			c.sendRecords(from, c.cat.Members(), nil, 0, true)
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
		c.sendFullDigest(peer)
	}
}

// maxDigestBuckets bounds a digest: 4096 hashes, 32 KiB.
const maxDigestBuckets = 4096

// recordsPerBucket is how many records a bucket of a full digest holds in
// a catalog large enough to need more than AntiEntropyBuckets buckets.
const recordsPerBucket = 4

// digestBuckets is the size of a full digest: AntiEntropyBuckets, or in a
// large catalog one hash per recordsPerBucket records. Two catalogs that
// differ in k records then exchange at most k small buckets. At 64
// buckets, a catalog of 1,000 members puts 16 records in each, and during
// a bootstrap, when hundreds of records are on their way by broadcast,
// every bucket differs and a digest exchange over a new link sends both
// whole catalogs; at 250 buckets (2 kB of digest) it sends what differs.
func (c *Core) digestBuckets() int {
	return min(max(c.cfg.AntiEntropyBuckets, c.cat.Len()/recordsPerBucket), maxDigestBuckets)
}

// sendFullDigest opens an exchange that expects differences.
func (c *Core) sendFullDigest(peer overlay.Peer) {
	c.send(peer, Digest{Buckets: c.cat.Digest(c.digestBuckets())})
	c.stats.AntiEntropy++
}

// answerDigest sends back the records of every bucket that differs from the
// peer's, and asks for the peer's records of those buckets in return
// unless a join's sync is bringing the whole catalog. A
// single differing hash is answered with this node's full digest instead,
// so that only the differing buckets travel.
func (c *Core) answerDigest(from overlay.Peer, m Digest) {
	if len(m.Buckets) == 0 || len(m.Buckets) > maxDigestBuckets {
		c.stats.Ignored++
		return
	}
	mine := c.cat.Digest(len(m.Buckets))
	if len(mine) == 1 && c.digestBuckets() > 1 {
		if mine[0] != m.Buckets[0] {
			c.send(from, Digest{Buckets: c.cat.Digest(c.digestBuckets())})
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
		want := differ
		if c.joinSyncing() {
			want = nil // the join's sync brings them
		}
		c.sendBuckets(from, differ, len(mine), want)
	}
}

// sendBuckets sends the records of the given buckets of a digest of of
// buckets, asking for the buckets want of the same digest.
func (c *Core) sendBuckets(to overlay.Peer, buckets []uint16, of int, want []uint16) {
	if of < 1 || of > maxDigestBuckets {
		c.stats.Ignored++
		return
	}
	c.sendRecords(to, c.cat.Buckets(buckets, of), want, of, false)
}

// sendRecords sends records in chunks of at most MaxRecordsPerMessage; want,
// buckets of a digest of of buckets, rides on the first chunk, and each
// chunk carries the key bindings of its records if withBindings. Nothing is
// sent when there is nothing to say.
func (c *Core) sendRecords(to overlay.Peer, records []catalog.Record, want []uint16, of int, withBindings bool) {
	for first := true; first || len(records) > 0; first = false {
		n := min(len(records), c.cfg.MaxRecordsPerMessage)
		if n == 0 && len(want) == 0 {
			return
		}
		m := Records{Records: records[:n], Want: want}
		if len(want) > 0 {
			m.Of = uint16(of)
		}
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
	c.sendFullDigest(peer)
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
