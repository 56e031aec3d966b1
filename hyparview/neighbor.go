package hyparview

import (
	"slices"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// promote asks a passive peer to join the active view when the view has
// room and no request is outstanding. The request is high priority when the
// active view is empty, since the receiver must then accept.
func (n *Node) promote(now time.Time) {
	if n.pending != nil || n.active.full() {
		return
	}
	p, ok := n.passive.random(n.rng, n.rejected...)
	if !ok {
		return
	}
	high := n.active.empty()
	n.pending = &neighborRequest{peer: p, seq: n.nextSeq(), sentAt: now, high: high}
	n.send(p, Neighbor{HighPriority: high, Seq: n.pending.seq})
	n.stats.NeighborRequests++
}

func (n *Node) nextSeq() uint32 {
	n.requestSeq++
	return n.requestSeq
}

// handleNeighbor answers a request to enter the active view: accepted when
// high priority (evicting a random peer if needed) or when there is room.
func (n *Node) handleNeighbor(from overlay.Peer, m Neighbor) {
	if n.active.contains(from.ID) {
		n.send(from, NeighborReply{Accepted: true, Seq: m.Seq})
		return
	}
	if !m.HighPriority && n.active.full() {
		n.stats.NeighborRejected++
		n.send(from, NeighborReply{Accepted: false, Seq: m.Seq})
		return
	}
	n.stats.NeighborAccepted++
	n.addActive(from, false)
	n.send(from, NeighborReply{Accepted: true, Seq: m.Seq})
}

// handleNeighborReply completes this node's outstanding request. A rejection
// moves the repair on to the next passive peer.
//
// A reply to any other request is stale: the request timed out, or it was
// the high-priority notice of a join link. Links are FIFO, so a stale
// acceptance means the peer held this node when it answered and has not
// announced a change since. If this node holds the peer too, or is waiting
// for its answer to a newer request, nothing needs doing; otherwise the
// acceptance is undone with a DISCONNECT. A stale rejection changes nothing:
// whatever link exists now was made by a later, acknowledged exchange.
func (n *Node) handleNeighborReply(now time.Time, from overlay.Peer, m NeighborReply) {
	waiting := n.pending != nil && n.pending.peer.ID == from.ID
	switch {
	case !waiting || n.pending.seq != m.Seq:
		if m.Accepted && !waiting && !n.active.contains(from.ID) {
			n.send(from, Disconnect{})
		}
	case m.Accepted:
		high := n.pending.high
		n.pending = nil
		if high || !n.active.full() {
			n.addActive(from, false)
		} else {
			n.send(from, Disconnect{})
		}
		// Several peers may have failed at once: keep repairing.
		n.promote(now)
	default:
		n.pending = nil
		if !slices.Contains(n.rejected, from.ID) {
			n.rejected = append(n.rejected, from.ID)
		}
		n.promote(now)
	}
}

// handleDisconnect moves a peer that dropped this node to the passive view
// and looks for a replacement.
func (n *Node) handleDisconnect(now time.Time, from overlay.Peer) {
	if _, ok := n.active.remove(from.ID); !ok {
		return
	}
	n.emit(NeighborDown{Peer: from})
	n.addPassive(from)
	n.promote(now)
}
