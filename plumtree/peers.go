package plumtree

import (
	"slices"

	"github.com/overlayd/overlayd/overlay"
)

// peerSet holds the neighbours HyParView reported, each either eager or
// lazy, so the eager and lazy sets are disjoint by construction. It keeps
// the IDs sorted, and every iteration that reaches an output goes through
// that order.
type peerSet struct {
	byID  map[overlay.NodeID]*neighbor
	order []overlay.NodeID
}

// neighbor is one neighbour and the IHAVE entries waiting for it.
type neighbor struct {
	peer    overlay.Peer
	eager   bool
	pending []pendingIHave
}

func newPeerSet() peerSet {
	return peerSet{byID: make(map[overlay.NodeID]*neighbor)}
}

func (s *peerSet) get(id overlay.NodeID) (*neighbor, bool) {
	nb, ok := s.byID[id]
	return nb, ok
}

// add inserts p as an eager neighbour and reports true, or, if p is
// already a neighbour, only refreshes its address and reports false.
func (s *peerSet) add(p overlay.Peer) bool {
	if nb, ok := s.byID[p.ID]; ok {
		nb.peer = p
		return false
	}
	s.byID[p.ID] = &neighbor{peer: p, eager: true}
	i, _ := slices.BinarySearch(s.order, p.ID)
	s.order = slices.Insert(s.order, i, p.ID)
	return true
}

// remove deletes a neighbour and reports whether it was one.
func (s *peerSet) remove(id overlay.NodeID) bool {
	if _, ok := s.byID[id]; !ok {
		return false
	}
	delete(s.byID, id)
	i, _ := slices.BinarySearch(s.order, id)
	s.order = slices.Delete(s.order, i, i+1)
	return true
}

// setEager moves a neighbour to the eager set; unknown IDs are ignored.
func (s *peerSet) setEager(id overlay.NodeID) {
	if nb, ok := s.byID[id]; ok {
		nb.eager = true
	}
}

// setLazy moves a neighbour to the lazy set; unknown IDs are ignored.
func (s *peerSet) setLazy(id overlay.NodeID) {
	if nb, ok := s.byID[id]; ok {
		nb.eager = false
	}
}

// isEager and isLazy report the set id is in; both are false for a
// non-neighbour.
func (s *peerSet) isEager(id overlay.NodeID) bool {
	nb, ok := s.byID[id]
	return ok && nb.eager
}

func (s *peerSet) isLazy(id overlay.NodeID) bool {
	nb, ok := s.byID[id]
	return ok && !nb.eager
}

// each calls f for every neighbour in ID order.
func (s *peerSet) each(f func(*neighbor)) {
	for _, id := range s.order {
		f(s.byID[id])
	}
}

// peers returns the eager (eager=true) or lazy neighbours, sorted by ID.
func (s *peerSet) peers(eager bool) []overlay.Peer {
	var out []overlay.Peer
	s.each(func(nb *neighbor) {
		if nb.eager == eager {
			out = append(out, nb.peer)
		}
	})
	return out
}
