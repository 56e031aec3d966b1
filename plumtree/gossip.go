package plumtree

import (
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// onGossip handles a GOSSIP (the paper's Algorithm 1). A first copy is
// delivered and pushed on; a duplicate prunes the link it came over.
//
// A GOSSIP from a non-neighbour (typically one sent just before the link
// went down) is still delivered and pushed on if it is new, because the
// payload is genuine and dropping it would only cost a repair; but it never
// changes the eager or lazy sets, is never answered, and is counted in
// [Stats].NotNeighbor.
func (n *Node) onGossip(now time.Time, from overlay.NodeID, g Gossip) {
	if g.ID.IsZero() || !validRound(g.Round) {
		n.stats.Malformed++
		return
	}
	if len(g.Payload) > n.cfg.MaxPayloadBytes {
		n.stats.OversizeGossips++
		return
	}
	nb, isNeighbor := n.peers.get(from)
	if !isNeighbor {
		n.stats.NotNeighbor++
	}
	n.stats.GossipReceived++

	if _, dup := n.seen.get(g.ID); dup {
		n.stats.Duplicates++
		if isNeighbor {
			nb.eager = false
			n.sendPrune(nb)
		}
		return
	}

	// Receiving the message cancels its graft timers.
	entry, wasMissing := n.missing.take(g.ID)
	repaired := wasMissing && entry.grafted
	n.accept(now, g.ID, g.Round, g.Payload, from, repaired)
	if !isNeighbor {
		return
	}
	nb.eager = true
	if wasMissing && !repaired {
		n.optimizeOnGossip(now, from, g.Round, entry.announcements)
	}
}

// accept records, delivers and pushes on a message seen for the first
// time: round is how many hops it travelled (0 for an own broadcast) and
// from the neighbour it came from (Self for an own broadcast), which is
// skipped when pushing.
func (n *Node) accept(now time.Time, id MessageID, round int, payload []byte, from overlay.NodeID, repaired bool) {
	n.seen.add(id, newSeenRecord(now, round, from, repaired))
	n.cache.add(now, id, round, payload)
	n.events = append(n.events, Deliver{ID: id, Payload: payload, Round: round, From: from})
	n.stats.Delivered++

	next := Gossip{ID: id, Round: round + 1, Payload: payload}
	n.peers.each(func(nb *neighbor) {
		switch {
		case nb.peer.ID == from:
		case nb.eager:
			n.send(nb, next)
			n.stats.GossipSent++
		default:
			n.queueIHave(nb, now, id, round+1)
		}
	})
}
