package hyparview

import (
	"math/rand/v2"

	"github.com/overlayd/overlayd/overlay"
)

// view is a bounded set of peers kept in insertion order, so that iteration
// and random choice depend on the seed alone. Views hold tens of entries, so
// a linear scan beats a map.
type view struct {
	peers []overlay.Peer
	max   int
}

func newView(max int) view { return view{peers: make([]overlay.Peer, 0, max), max: max} }

func (v *view) len() int    { return len(v.peers) }
func (v *view) full() bool  { return len(v.peers) >= v.max }
func (v *view) empty() bool { return len(v.peers) == 0 }
func (v *view) clone() view {
	return view{peers: append(make([]overlay.Peer, 0, v.max), v.peers...), max: v.max}
}
func (v *view) list() []overlay.Peer {
	return append([]overlay.Peer(nil), v.peers...)
}

func (v *view) index(id overlay.NodeID) int {
	for i, p := range v.peers {
		if p.ID == id {
			return i
		}
	}
	return -1
}

func (v *view) contains(id overlay.NodeID) bool { return v.index(id) >= 0 }

// add appends p; the caller has made room.
func (v *view) add(p overlay.Peer) { v.peers = append(v.peers, p) }

// remove deletes id, keeping the order of the rest, and reports whether it
// was there.
func (v *view) remove(id overlay.NodeID) (overlay.Peer, bool) {
	i := v.index(id)
	if i < 0 {
		return overlay.Peer{}, false
	}
	p := v.peers[i]
	v.peers = append(v.peers[:i], v.peers[i+1:]...)
	return p, true
}

// random returns a uniformly chosen peer whose ID is not in exclude.
func (v *view) random(rng *rand.Rand, exclude ...overlay.NodeID) (overlay.Peer, bool) {
	n := 0
	for _, p := range v.peers {
		if !containsID(exclude, p.ID) {
			n++
		}
	}
	if n == 0 {
		return overlay.Peer{}, false
	}
	k := rng.IntN(n)
	for _, p := range v.peers {
		if containsID(exclude, p.ID) {
			continue
		}
		if k == 0 {
			return p, true
		}
		k--
	}
	panic("unreachable")
}

// sample returns up to k distinct peers chosen uniformly, skipping exclude.
func (v *view) sample(rng *rand.Rand, k int, exclude ...overlay.NodeID) []overlay.Peer {
	var candidates []overlay.Peer
	for _, p := range v.peers {
		if !containsID(exclude, p.ID) {
			candidates = append(candidates, p)
		}
	}
	// Partial Fisher–Yates: the first k slots end up a uniform sample.
	for i := 0; i < k && i < len(candidates); i++ {
		j := i + rng.IntN(len(candidates)-i)
		candidates[i], candidates[j] = candidates[j], candidates[i]
	}
	if k < len(candidates) {
		candidates = candidates[:k]
	}
	return candidates
}

func containsID(ids []overlay.NodeID, id overlay.NodeID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
