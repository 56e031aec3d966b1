package swim

import (
	"math/rand/v2"
	"slices"

	"github.com/overlayd/overlayd/overlay"
)

// rotation is the probe order over the active peers: SWIM §4.3's
// randomised round-robin. Each round walks a fresh shuffle of the list, so
// every peer is probed once per round, and a failed peer is probed within
// two rounds whatever the draw. Peers hold a handful of entries, so a slice
// with linear scans beats a map.
type rotation struct {
	peers []overlay.Peer
	// next is the position of the next peer to probe; peers[:next] have
	// been probed this round.
	next int
}

func (r *rotation) index(id overlay.NodeID) int {
	return slices.IndexFunc(r.peers, func(p overlay.Peer) bool { return p.ID == id })
}

func (r *rotation) list() []overlay.Peer { return slices.Clone(r.peers) }

// add inserts p at a uniformly random position, so that a new peer is not
// always probed last (SWIM §4.3), or updates its address if present.
func (r *rotation) add(rng *rand.Rand, p overlay.Peer) {
	if i := r.index(p.ID); i >= 0 {
		r.peers[i] = p
		return
	}
	at := rng.IntN(len(r.peers) + 1)
	r.peers = slices.Insert(r.peers, at, p)
	if at < r.next {
		r.next++ // keep the rest of the round unchanged
	}
}

// remove deletes id and returns its peer, if it was there.
func (r *rotation) remove(id overlay.NodeID) (overlay.Peer, bool) {
	i := r.index(id)
	if i < 0 {
		return overlay.Peer{}, false
	}
	p := r.peers[i]
	r.peers = slices.Delete(r.peers, i, i+1)
	if i < r.next {
		r.next--
	}
	return p, true
}

// pick returns the next peer to probe, starting a new shuffled round when
// the current one is done.
func (r *rotation) pick(rng *rand.Rand) (overlay.Peer, bool) {
	if len(r.peers) == 0 {
		return overlay.Peer{}, false
	}
	if r.next >= len(r.peers) {
		rng.Shuffle(len(r.peers), func(i, j int) { r.peers[i], r.peers[j] = r.peers[j], r.peers[i] })
		r.next = 0
	}
	p := r.peers[r.next]
	r.next++
	return p, true
}

// sample returns up to k distinct peers other than exclude, chosen
// uniformly.
func (r *rotation) sample(rng *rand.Rand, k int, exclude overlay.NodeID) []overlay.Peer {
	pool := make([]overlay.Peer, 0, len(r.peers))
	for _, p := range r.peers {
		if p.ID != exclude {
			pool = append(pool, p)
		}
	}
	// A partial Fisher–Yates shuffle: the first k entries are the sample.
	k = min(k, len(pool))
	for i := range k {
		j := i + rng.IntN(len(pool)-i)
		pool[i], pool[j] = pool[j], pool[i]
	}
	return pool[:k]
}
