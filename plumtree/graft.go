package plumtree

import "github.com/overlayd/overlayd/overlay"

// onGraft handles a GRAFT: the sender becomes eager and, if it asks for a
// message, gets it from the cache. A GRAFT for a message this node never
// saw (or forgot beyond SeenTTL) is ignored entirely; one for a message
// seen but no longer cached still re-links the tree.
func (n *Node) onGraft(from overlay.NodeID, g Graft) {
	nb, ok := n.peers.get(from)
	if !ok {
		n.stats.NotNeighbor++
		return
	}
	if g.ID.IsZero() {
		n.stats.GraftsReceived++
		nb.eager = true
		return
	}
	m, cached := n.cache.get(g.ID)
	if _, seen := n.seen.get(g.ID); !cached && !seen {
		n.stats.GraftUnknownID++
		return
	}
	n.stats.GraftsReceived++
	nb.eager = true
	if !cached {
		n.stats.GraftCacheMiss++
		return
	}
	n.send(nb, Gossip{ID: g.ID, Round: m.round + 1, Payload: m.payload})
	n.stats.Resent++
}
