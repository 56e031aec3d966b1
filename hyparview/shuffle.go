package hyparview

import "github.com/overlayd/overlayd/overlay"

// startShuffle sends this node, ka active and kp passive entries along a
// random walk of ARWL hops starting at a random active peer.
func (n *Node) startShuffle() {
	target, ok := n.active.random(n.rng)
	if !ok {
		return
	}
	sample := n.active.sample(n.rng, n.cfg.ShuffleActive, target.ID)
	sample = append(sample, n.passive.sample(n.rng, n.cfg.ShufflePassive)...)
	n.shuffleSent = sample
	entries := append([]overlay.Peer{n.cfg.Self}, sample...)
	n.send(target, Shuffle{Origin: n.cfg.Self, TTL: uint8(n.cfg.ARWL), Entries: entries})
	n.stats.ShufflesStarted++
}

// handleShuffle forwards a shuffle walk, or ends it here: the origin gets as
// many passive entries as it sent, and its entries join the passive view,
// evicting first the ones sent back.
func (n *Node) handleShuffle(from overlay.Peer, m Shuffle) {
	if m.Origin.Validate() != nil || len(m.Entries) > maxShuffleEntries {
		n.stats.Ignored++
		return
	}
	if m.Origin.ID == n.cfg.Self.ID {
		return
	}
	ttl := min(int(m.TTL), n.cfg.ARWL) - 1
	if ttl > 0 && n.active.len() > 1 {
		if next, ok := n.active.random(n.rng, from.ID, m.Origin.ID); ok {
			n.send(next, Shuffle{Origin: m.Origin, TTL: uint8(ttl), Entries: m.Entries})
			return
		}
	}
	reply := n.passive.sample(n.rng, len(m.Entries), m.Origin.ID)
	n.send(m.Origin, ShuffleReply{Entries: reply})
	n.integrate(m.Entries, reply)
	n.stats.ShufflesAccepted++
}

// handleShuffleReply merges the entries that answer this node's shuffle.
func (n *Node) handleShuffleReply(m ShuffleReply) {
	if len(m.Entries) > maxShuffleEntries {
		n.stats.Ignored++
		return
	}
	n.integrate(m.Entries, n.shuffleSent)
	n.shuffleSent = nil
}

// integrate adds shuffled entries to the passive view. When the view is
// full, the entries this node sent in the same exchange make room first,
// then random ones (§4.4 of the paper).
func (n *Node) integrate(entries, sent []overlay.Peer) {
	for _, e := range entries {
		if e.Validate() != nil {
			n.stats.Ignored++
			continue
		}
		if e.ID == n.cfg.Self.ID || n.active.contains(e.ID) || n.passive.contains(e.ID) {
			continue
		}
		if n.passive.full() {
			for len(sent) > 0 {
				_, removed := n.passive.remove(sent[0].ID)
				sent = sent[1:]
				if removed {
					break
				}
			}
		}
		n.addPassive(e)
	}
}
