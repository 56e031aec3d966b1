package hyparview

import (
	"math/rand/v2"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// Node is one participant's HyParView state. It is not safe for concurrent
// use: one owner feeds it inputs and drains its outputs.
type Node struct {
	cfg     Config
	rng     *rand.Rand
	active  view
	passive view

	// pending is the outstanding NEIGHBOR request, if any: the active view is
	// repaired one passive peer at a time, as in the paper.
	pending *neighborRequest
	// requestSeq numbers this node's NEIGHBOR requests.
	requestSeq uint32
	// rejected lists the passive peers that refused or ignored a request
	// since the last maintenance tick, so that a repair moves on to others.
	rejected []overlay.NodeID

	// shuffleSent is the sample sent in this node's latest shuffle; the reply's
	// entries evict these first.
	shuffleSent []overlay.Peer
	nextShuffle time.Time

	out   Ready
	stats Stats
}

type neighborRequest struct {
	peer   overlay.Peer
	seq    uint32
	sentAt time.Time
	high   bool
}

// New returns a Node with empty views. It copies cfg and fills defaults;
// the caller's struct is not modified.
func New(cfg Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Node{
		cfg:     cfg,
		rng:     cfg.Rand,
		active:  newView(cfg.ActiveSize),
		passive: newView(cfg.PassiveSize),
	}, nil
}

// Self returns this node's identity.
func (n *Node) Self() overlay.Peer { return n.cfg.Self }

// Active returns a copy of the active view, in insertion order.
func (n *Node) Active() []overlay.Peer { return n.active.list() }

// Passive returns a copy of the passive view, in insertion order.
func (n *Node) Passive() []overlay.Peer { return n.passive.list() }

// Starved reports whether the active view has room and the passive view
// holds no candidate to fill it with: only a peer found elsewhere (the
// caller's catalog) can widen this node's reach.
func (n *Node) Starved() bool { return !n.active.full() && n.passive.empty() }

// Stats returns the node's counters.
func (n *Node) Stats() Stats { return n.stats }

// Ready drains the messages and events produced since the previous call.
func (n *Node) Ready() Ready {
	rd := n.out
	n.out = Ready{}
	return rd
}

// Clone returns an independent copy of n that draws randomness from rng.
// Simulations use it to run several experiments from one built overlay.
// Undrained outputs are not copied.
func (n *Node) Clone(rng *rand.Rand) *Node {
	c := *n
	c.cfg.Rand = rng
	c.rng = rng
	c.active = n.active.clone()
	c.passive = n.passive.clone()
	if n.pending != nil {
		p := *n.pending
		c.pending = &p
	}
	c.rejected = append([]overlay.NodeID(nil), n.rejected...)
	c.shuffleSent = append([]overlay.Peer(nil), n.shuffleSent...)
	c.out = Ready{}
	return &c
}

func (n *Node) send(to overlay.Peer, msg overlay.Message) {
	n.out.Messages = append(n.out.Messages, overlay.Outgoing{To: to, Msg: msg})
}

func (n *Node) emit(e Event) { n.out.Events = append(n.out.Events, e) }

// Step handles a message from a peer. Messages from this node itself, of
// another protocol, or with malformed fields are ignored and counted.
func (n *Node) Step(now time.Time, from overlay.Peer, msg overlay.Message) {
	if from.Validate() != nil || from.ID == n.cfg.Self.ID {
		n.stats.Ignored++
		return
	}
	switch m := msg.(type) {
	case Join:
		n.handleJoin(from)
	case ForwardJoin:
		n.handleForwardJoin(from, m)
	case Neighbor:
		n.handleNeighbor(from, m)
	case NeighborReply:
		n.handleNeighborReply(now, from, m)
	case Disconnect:
		n.handleDisconnect(now, from)
	case Shuffle:
		n.handleShuffle(from, m)
	case ShuffleReply:
		n.handleShuffleReply(m)
	default:
		n.stats.Ignored++
	}
}

// Tick advances the node's timers: it starts a shuffle when one is due,
// cancels a NEIGHBOR request that went unanswered, and tries to fill an
// active view that is below capacity.
func (n *Node) Tick(now time.Time) {
	if n.pending != nil && now.Sub(n.pending.sentAt) >= n.cfg.NeighborTimeout {
		// Cancel explicitly: if the peer accepted and only the reply was
		// lost, the DISCONNECT keeps the two views symmetric.
		p := n.pending.peer
		n.pending = nil
		n.rejected = append(n.rejected, p.ID)
		n.send(p, Disconnect{})
		n.stats.NeighborTimeouts++
	}
	if n.nextShuffle.IsZero() {
		// Spread the first shuffle over one interval so that nodes started
		// together do not shuffle in lockstep.
		n.nextShuffle = now.Add(randDuration(n.rng, n.cfg.ShuffleInterval))
	}
	if !now.Before(n.nextShuffle) {
		n.nextShuffle = now.Add(n.cfg.ShuffleInterval)
		n.startShuffle()
		// A fresh round of repair may ask the peers that refused before.
		n.rejected = n.rejected[:0]
		n.reportIsolation()
	}
	n.promote(now)
}

// reportIsolation emits Isolated when the node knows no peer at all.
func (n *Node) reportIsolation() {
	if n.active.empty() && n.passive.empty() && n.pending == nil {
		n.emit(Isolated{})
	}
}

func randDuration(rng *rand.Rand, d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rng.Int64N(int64(d)))
}

// PeerFailed tells the node that a peer is unreachable: a connection to it
// broke, or a message to it could not be delivered. An active peer is
// dropped and replaced from the passive view; any other mention of the peer
// is forgotten.
func (n *Node) PeerFailed(now time.Time, id overlay.NodeID) {
	if p, ok := n.active.remove(id); ok {
		n.stats.PeerFailures++
		n.emit(NeighborDown{Peer: p})
	}
	_, wasPassive := n.passive.remove(id)
	if n.pending != nil && n.pending.peer.ID == id {
		n.pending = nil
	}
	n.promote(now)
	if wasPassive {
		n.reportIsolation()
	}
}

// addActive puts p in the active view, evicting a random peer when the view
// is full. With notify, p is asked to add this node back with a
// high-priority NEIGHBOR, as the links of a join must be symmetric.
func (n *Node) addActive(p overlay.Peer, notify bool) {
	if p.ID == n.cfg.Self.ID || n.active.contains(p.ID) {
		return
	}
	if n.active.full() {
		if victim, ok := n.active.random(n.rng, p.ID); ok {
			n.active.remove(victim.ID)
			n.send(victim, Disconnect{})
			n.emit(NeighborDown{Peer: victim})
			n.addPassive(victim)
			n.stats.Evictions++
		}
	}
	n.passive.remove(p.ID)
	if n.pending != nil && n.pending.peer.ID == p.ID {
		n.pending = nil
	}
	n.active.add(p)
	n.emit(NeighborUp{Peer: p})
	if notify {
		n.send(p, Neighbor{HighPriority: true, Seq: n.nextSeq()})
	}
}

// addPassive remembers p in the passive view, evicting a random entry when
// the view is full.
func (n *Node) addPassive(p overlay.Peer) {
	if p.ID == n.cfg.Self.ID || n.active.contains(p.ID) || n.passive.contains(p.ID) {
		return
	}
	if n.passive.full() {
		if victim, ok := n.passive.random(n.rng); ok {
			n.passive.remove(victim.ID)
		}
	}
	n.passive.add(p)
}
