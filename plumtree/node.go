package plumtree

import (
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// Node is one member's Plumtree state machine. It is not safe for
// concurrent use; one goroutine drives it and drains [Node.Ready].
type Node struct {
	cfg Config
	ids idGenerator

	peers   peerSet
	seen    seenSet
	cache   messageCache
	missing missingTable
	opt     optimizer

	// nextFlush is when Tick next flushes IHAVE batches, if
	// IHaveFlushInterval is positive.
	nextFlush time.Time

	out    []overlay.Outgoing
	events []Event
	stats  Stats
}

// New returns a node with no neighbours. It copies cfg and fills its zero
// fields with defaults; cfg itself is not modified.
func New(cfg Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Node{
		cfg:     cfg,
		ids:     newIDGenerator(cfg.Self, cfg.Rand),
		peers:   newPeerSet(),
		seen:    newSeenSet(cfg.SeenTTL, cfg.MaxSeenEntries),
		cache:   newMessageCache(cfg.CacheTTL, cfg.MaxCacheEntries, cfg.MaxCacheBytes),
		missing: newMissingTable(cfg.MaxMissing),
	}, nil
}

// NeighborUp adds p to the eager set, as the paper does for every new
// neighbour. For a peer that is already a neighbour it only refreshes the
// address, keeping the link's role.
func (n *Node) NeighborUp(now time.Time, p overlay.Peer) {
	if p.Validate() != nil || p.ID == n.cfg.Self {
		n.stats.BadNotifications++
		return
	}
	if n.peers.add(p) {
		n.opt.reset()
		n.announceRecent(now, p.ID)
	}
	n.finishInput(now)
}

// announceRecent queues an IHAVE to a new neighbour for every message
// received within AnnounceWindow. A link made after a broadcast passed —
// a repair of the overlay, a node that lost all its eager peers at once —
// would otherwise never hear of it; the neighbour grafts what it lacks.
func (n *Node) announceRecent(now time.Time, id overlay.NodeID) {
	if n.cfg.AnnounceWindow < 0 {
		return
	}
	nb, _ := n.peers.get(id)
	for _, slot := range n.cache.since(now.Add(-n.cfg.AnnounceWindow)) {
		if m, ok := n.cache.get(slot.id); ok {
			n.queueIHave(nb, now, slot.id, m.round+1)
			n.stats.AnnouncedToNew++
		}
	}
}

// NeighborDown removes a neighbour from both sets, drops the IHAVEs queued
// for it and forgets its announcements, as in the paper.
//
// If it was eager, every lazy peer is grafted at once, with a GRAFT that
// asks for no message (see regraft). The paper leaves the tree broken until
// the next broadcast's IHAVEs time out; that broadcast is typically the
// departed neighbour's own dead verdict, raised by this very node, and it
// would pay a graft timeout at every broken hop.
func (n *Node) NeighborDown(now time.Time, id overlay.NodeID) {
	wasEager := n.peers.isEager(id)
	if !n.peers.remove(id) {
		n.stats.BadNotifications++
		return
	}
	n.missing.forgetPeer(id)
	n.opt.reset()
	if wasEager {
		n.regraft()
	}
	n.finishInput(now)
}

// Broadcast sends payload to every node of the cluster and returns its ID.
// The payload is copied. The node delivers its own message too (see
// [Deliver]). A payload over MaxPayloadBytes is not sent: Broadcast
// returns the zero ID and counts it in [Stats].OversizeBroadcasts.
func (n *Node) Broadcast(now time.Time, payload []byte) MessageID {
	if len(payload) > n.cfg.MaxPayloadBytes {
		n.stats.OversizeBroadcasts++
		return MessageID{}
	}
	id := n.ids.next()
	n.stats.Broadcasts++
	n.accept(now, id, 0, append([]byte(nil), payload...), n.cfg.Self, false)
	n.finishInput(now)
	return id
}

// BroadcastNow is Broadcast for a message that cannot wait for the IHAVE
// batch (see Config.IHaveFlushInterval): the IHAVEs announcing it, with
// whatever else is pending, leave at once. Where the eager path from this
// node is broken, its lazy peers then graft the message a batch interval
// sooner.
func (n *Node) BroadcastNow(now time.Time, payload []byte) MessageID {
	id := n.Broadcast(now, payload)
	n.flushIHaves(now)
	return id
}

// Step processes a message received from a peer. Anything that is not a
// valid Plumtree message from a valid peer other than the node itself is
// ignored and counted in [Stats].
func (n *Node) Step(now time.Time, from overlay.Peer, msg overlay.Message) {
	switch {
	case from.Validate() != nil:
		n.stats.InvalidSender++
	case from.ID == n.cfg.Self:
		n.stats.FromSelf++
	default:
		switch m := msg.(type) {
		case Gossip:
			n.onGossip(now, from.ID, m)
		case IHave:
			n.onIHave(now, from.ID, m)
		case Graft:
			n.onGraft(from.ID, m)
		case Prune:
			n.onPrune(from.ID)
		default:
			n.stats.WrongType++
		}
	}
	n.finishInput(now)
}

// Tick advances time: it expires cached payloads and remembered IDs, fires
// due graft timers and, if IHaveFlushInterval is positive and due, flushes
// IHAVE batches.
func (n *Node) Tick(now time.Time) {
	n.cache.expire(now)
	n.seen.expire(now)
	n.fireGraftTimers(now)
	if n.cfg.IHaveFlushInterval > 0 && !now.Before(n.nextFlush) {
		n.flushIHaves(now)
		n.nextFlush = now.Add(n.cfg.IHaveFlushInterval)
	}
	n.finishInput(now)
}

// Ready returns and clears the messages and events produced so far.
func (n *Node) Ready() Ready {
	rd := Ready{Messages: n.out, Events: n.events}
	n.out, n.events = nil, nil
	return rd
}

// Eager returns the eager peers, sorted by ID.
func (n *Node) Eager() []overlay.Peer { return n.peers.peers(true) }

// Lazy returns the lazy peers, sorted by ID.
func (n *Node) Lazy() []overlay.Peer { return n.peers.peers(false) }

// Stats returns the node's counters and gauges.
func (n *Node) Stats() Stats {
	s := n.stats
	n.peers.each(func(nb *neighbor) {
		if nb.eager {
			s.EagerPeers++
		} else {
			s.LazyPeers++
		}
	})
	s.CachedCount, s.CachedBytes = len(n.cache.entries), n.cache.bytes
	s.CacheExpired, s.CacheEvictedCount = n.cache.expired, n.cache.evictedCount
	s.CacheEvictedBytes, s.CacheRejected = n.cache.evictedBytes, n.cache.rejected
	s.SeenCount = len(n.seen.records)
	s.SeenExpired, s.SeenEvictedEarly = n.seen.expired, n.seen.evictedEarly
	s.MissingCount = len(n.missing.byID)
	return s
}

// finishInput ends every input call: with IHaveFlushInterval zero, the
// IHAVEs the call queued leave in the same call.
func (n *Node) finishInput(now time.Time) {
	if n.cfg.IHaveFlushInterval == 0 {
		n.flushIHaves(now)
	}
}

// send queues a message to a neighbour.
func (n *Node) send(to *neighbor, msg overlay.Message) {
	n.out = append(n.out, overlay.Outgoing{To: to.peer, Msg: msg})
}
