package plumtree

import "github.com/overlayd/overlayd/overlay"

// onPrune handles a PRUNE: the sender becomes lazy. The node complies even
// if that leaves it without eager peers; the sender stops pushing to it
// either way, and the lazy links repair the tree if needed.
func (n *Node) onPrune(from overlay.NodeID) {
	nb, ok := n.peers.get(from)
	if !ok {
		n.stats.NotNeighbor++
		return
	}
	n.stats.PrunesReceived++
	nb.eager = false
}

// sendPrune asks a neighbour to stop pushing to this node.
func (n *Node) sendPrune(nb *neighbor) {
	n.send(nb, Prune{})
	n.stats.PrunesSent++
}
