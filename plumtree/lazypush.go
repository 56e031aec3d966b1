package plumtree

import "time"

// pendingIHave is an announcement waiting in a lazy peer's batch.
type pendingIHave struct {
	id     MessageID
	round  int       // round a GOSSIP from this node would carry
	queued time.Time // when it entered the batch
}

// queueIHave adds an announcement to a lazy peer's batch and sends the
// batch at once if it is full. Batches are flushed by finishInput or Tick
// (see Config.IHaveFlushInterval). A batch stays queued if its peer turns
// eager meanwhile: the peer may still be missing those messages.
func (n *Node) queueIHave(nb *neighbor, now time.Time, id MessageID, round int) {
	nb.pending = append(nb.pending, pendingIHave{id: id, round: round, queued: now})
	if len(nb.pending) >= n.cfg.MaxIHaveEntries {
		n.flushPeer(nb, now)
	}
}

// flushIHaves sends every non-empty batch, in peer ID order.
func (n *Node) flushIHaves(now time.Time) {
	n.peers.each(func(nb *neighbor) { n.flushPeer(nb, now) })
}

// flushPeer sends a peer's batch as one IHAVE, each entry saying how long
// it waited.
func (n *Node) flushPeer(nb *neighbor, now time.Time) {
	if len(nb.pending) == 0 {
		return
	}
	entries := make([]IHaveEntry, len(nb.pending))
	for i, p := range nb.pending {
		entries[i] = IHaveEntry{ID: p.id, Round: p.round, Waited: max(now.Sub(p.queued), 0)}
	}
	nb.pending = nil
	n.send(nb, IHave{Entries: entries})
	n.stats.IHavesSent++
	n.stats.IHaveEntries += uint64(len(entries))
}
