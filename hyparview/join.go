package hyparview

import "github.com/overlayd/overlayd/overlay"

// Join asks contact to bring this node into the overlay. The contact and
// the ends of the random walks it starts each add this node to their active
// views and tell it so with a high-priority NEIGHBOR. If the contact is
// unreachable the runtime reports it through PeerFailed and may try another.
func (n *Node) Join(contact overlay.Peer) {
	if contact.Validate() != nil || contact.ID == n.cfg.Self.ID {
		n.stats.Ignored++
		return
	}
	n.send(contact, Join{})
}

// handleJoin admits a joiner at the contact: the joiner enters the active
// view and a FORWARD_JOIN walk of ARWL hops starts at every other active peer.
func (n *Node) handleJoin(joiner overlay.Peer) {
	n.stats.JoinsHandled++
	n.addActive(joiner, true)
	for _, p := range n.active.peers {
		if p.ID != joiner.ID {
			n.send(p, ForwardJoin{Joiner: joiner, TTL: uint8(n.cfg.ARWL)})
		}
	}
}

// handleForwardJoin moves a join walk one hop. The walk ends, adding the
// joiner to the active view, when its TTL runs out or this node has no other
// peer to pass it to; at TTL = PRWL the joiner also enters the passive view.
func (n *Node) handleForwardJoin(from overlay.Peer, m ForwardJoin) {
	if m.Joiner.Validate() != nil {
		n.stats.Ignored++
		return
	}
	if m.Joiner.ID == n.cfg.Self.ID {
		return
	}
	ttl := min(int(m.TTL), n.cfg.ARWL)
	next, ok := n.active.random(n.rng, from.ID, m.Joiner.ID)
	if ttl == 0 || n.active.len() <= 1 || !ok {
		n.addActive(m.Joiner, true)
		return
	}
	if ttl == n.cfg.PRWL {
		n.addPassive(m.Joiner)
	}
	n.send(next, ForwardJoin{Joiner: m.Joiner, TTL: uint8(ttl - 1)})
}
