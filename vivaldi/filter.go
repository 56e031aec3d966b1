package vivaldi

import (
	"container/list"
	"slices"

	"github.com/overlayd/overlayd/overlay"
)

// latencyFilter keeps the last few RTT samples of each peer and answers
// their median, so that one delayed probe does not throw the coordinate
// off. It tracks at most maxPeers peers; past that it forgets the peer whose
// last sample is the oldest.
type latencyFilter struct {
	size     int
	maxPeers int
	peers    map[overlay.NodeID]*list.Element // of *peerSamples
	// recency orders the peers from the most to the least recently
	// updated, so the eviction victim never depends on map order.
	recency list.List
	scratch []float64
}

// peerSamples is one peer's history, oldest first.
type peerSamples struct {
	id      overlay.NodeID
	samples []float64
}

func newLatencyFilter(size, maxPeers int) latencyFilter {
	return latencyFilter{
		size:     size,
		maxPeers: maxPeers,
		peers:    make(map[overlay.NodeID]*list.Element),
		scratch:  make([]float64, 0, size),
	}
}

// add records rtt (seconds) for peer and returns the median of the peer's
// history, the new sample included. With an even number of samples it
// returns the lower of the two middle ones, since delays only ever add to a
// round trip. evicted reports whether another peer was forgotten to make
// room.
func (f *latencyFilter) add(peer overlay.NodeID, rtt float64) (median float64, evicted bool) {
	el, ok := f.peers[peer]
	if ok {
		f.recency.MoveToFront(el)
	} else {
		if len(f.peers) >= f.maxPeers {
			f.forget(f.recency.Back().Value.(*peerSamples).id)
			evicted = true
		}
		el = f.recency.PushFront(&peerSamples{id: peer, samples: make([]float64, 0, f.size)})
		f.peers[peer] = el
	}
	ps := el.Value.(*peerSamples)
	if len(ps.samples) == f.size {
		ps.samples = append(ps.samples[:0], ps.samples[1:]...)
	}
	ps.samples = append(ps.samples, rtt)

	f.scratch = append(f.scratch[:0], ps.samples...)
	slices.Sort(f.scratch)
	return f.scratch[(len(f.scratch)-1)/2], evicted
}

// forget drops peer's history, if any.
func (f *latencyFilter) forget(peer overlay.NodeID) {
	if el, ok := f.peers[peer]; ok {
		f.recency.Remove(el)
		delete(f.peers, peer)
	}
}

// len returns the number of peers tracked.
func (f *latencyFilter) len() int { return len(f.peers) }
