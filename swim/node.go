package swim

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// Node is one member's SWIM state. It is not safe for concurrent use: one
// owner feeds it inputs and drains its outputs.
type Node struct {
	cfg Config
	rng *rand.Rand

	// incarnation is this node's own; only this node raises it.
	incarnation uint64
	leaving     bool
	health      localHealth
	ackPayload  []byte
	clusterSize int

	// rotation holds the active peers, the probe set.
	rotation rotation
	// farewell holds peers owed one probe outside the rotation: those
	// that left the active view while not being probed (NeighborDown) and
	// members the runtime could not reach (Check).
	farewell []overlay.Peer
	// urgent holds suspected active peers to probe as soon as no probe is
	// outstanding, ahead of the protocol period (see probeUrgently).
	urgent []overlay.NodeID
	// ended remembers this node's last unanswered probes, so that a late
	// ack still counts (see handleAck).
	ended []endedProbe
	// probe is this node's outstanding probe, nil between probes.
	probe *probe
	// nextProbe is the start of the next protocol period.
	nextProbe time.Time
	// relays are the indirect probes this node runs as a helper, oldest
	// first.
	relays []relay
	seq    uint32

	// members is what this node knows of every member but itself.
	members map[overlay.NodeID]*member
	// suspected lists the members with a running suspicion timer, in the
	// order their suspicions started, so that timers fire in an order that
	// does not depend on map iteration.
	suspected []overlay.NodeID

	out   Ready
	stats Stats
}

// New returns a Node with an empty probe set, at cfg.InitialIncarnation. It copies
// cfg and fills defaults; the caller's struct is not modified.
func New(cfg Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Node{
		cfg:         cfg,
		rng:         cfg.Rand,
		incarnation: cfg.InitialIncarnation,
		health:      localHealth{max: cfg.MaxLocalHealth},
		clusterSize: 1,
		members:     make(map[overlay.NodeID]*member),
	}, nil
}

// Self returns this node's identity.
func (n *Node) Self() overlay.Peer { return n.cfg.Self }

// Incarnation returns this node's own incarnation number.
func (n *Node) Incarnation() uint64 { return n.incarnation }

// LocalHealth returns the Lifeguard local health score, 0 (healthy) to
// MaxLocalHealth−1; probe intervals and timeouts are stretched by score+1.
func (n *Node) LocalHealth() int { return n.health.score }

// Probing returns the peers probed in rotation, in their current order.
func (n *Node) Probing() []overlay.Peer { return n.rotation.list() }

// Member returns what this node knows of member id: its latest state and
// incarnation, as merged from observed updates, its own verdicts and its
// neighbours' acks. From is left empty.
func (n *Node) Member(id overlay.NodeID) (Update, bool) {
	m, ok := n.members[id]
	if !ok || m.state == 0 {
		return Update{}, false
	}
	return Update{Member: m.peer, Incarnation: m.incarnation, State: m.state}, true
}

// Stats returns the node's counters.
func (n *Node) Stats() Stats { return n.stats }

// Ready drains the messages and events produced since the previous call.
func (n *Node) Ready() Ready {
	rd := n.out
	n.out = Ready{}
	return rd
}

func (n *Node) send(to overlay.Peer, msg overlay.Message) {
	n.out.Messages = append(n.out.Messages, overlay.Outgoing{To: to, Msg: msg})
}

func (n *Node) emit(e Event) { n.out.Events = append(n.out.Events, e) }

func (n *Node) nextSeq() uint32 {
	n.seq++ // wraps after 2^32 probes and relays, long after any is outstanding
	return n.seq
}

// SetClusterSize tells the node how many members the cluster has, for the
// number of confirmations a suspicion can expect. Values below 1 count as 1. It applies to
// suspicions that start afterwards.
func (n *Node) SetClusterSize(size int) { n.clusterSize = max(size, 1) }

// SetAckPayload sets the opaque bytes sent in every Ack of this node from
// now on. SWIM never interprets them; the runtime puts its Vivaldi
// coordinate there. The slice is copied.
func (n *Node) SetAckPayload(payload []byte) { n.ackPayload = slices.Clone(payload) }

// NeighborUp adds a peer to the probe set: HyParView made it an active
// peer. A peer already there has its address updated.
func (n *Node) NeighborUp(_ time.Time, p overlay.Peer) {
	if p.Validate() != nil || p.ID == n.cfg.Self.ID {
		n.stats.Ignored++
		return
	}
	n.farewell = slices.DeleteFunc(n.farewell, func(f overlay.Peer) bool { return f.ID == p.ID })
	n.rotation.add(n.rng, p)
	n.record(p)
}

// maxFarewells bounds the departed neighbours waiting for a last probe.
const maxFarewells = 16

// NeighborDown removes a peer from the probe set: it left the active view.
//
// The peer still gets one last probe, in the next protocol period, unless a
// probe of it is under way already (that one runs to its end) or it is
// known dead or left (the usual reason to drop it). HyParView
// drops a peer as soon as its connection breaks, which for a crashed peer
// may happen before any neighbour probed it; without the last probe nobody
// would ever suspect it and the cluster would hold it alive for good.
func (n *Node) NeighborDown(_ time.Time, id overlay.NodeID) {
	p, ok := n.rotation.remove(id)
	if !ok {
		n.stats.Ignored++
		return
	}
	if n.probe != nil && n.probe.target.ID == id {
		return
	}
	if n.gone(id) {
		return
	}
	n.owePeerAProbe(p)
}

// Check queues one probe of a member outside the probe set, like the last
// probe of a departed neighbour: the runtime sent it a request that went
// unanswered. Only a member's active neighbours probe it, so without this
// a member whose neighbours are all cut off from this node, by a
// partition, would be held alive on this side for as long as the cut
// lasts. The probe runs as any other (indirect probes, then suspicion,
// which the member may refute). A peer in the probe set, already owed a
// probe, probed now, or known dead or left is left alone.
func (n *Node) Check(_ time.Time, p overlay.Peer) {
	if p.Validate() != nil || p.ID == n.cfg.Self.ID {
		n.stats.Ignored++
		return
	}
	if _, owed := n.probeCandidate(p.ID); owed || (n.probe != nil && n.probe.target.ID == p.ID) || n.gone(p.ID) {
		return
	}
	n.stats.ChecksQueued++
	n.owePeerAProbe(p)
}

// gone reports whether member id is known dead or left.
func (n *Node) gone(id overlay.NodeID) bool {
	m, ok := n.members[id]
	return ok && (m.state == StateDead || m.state == StateLeft)
}

// owePeerAProbe queues p for one probe outside the rotation; past
// maxFarewells the oldest is dropped and counted.
func (n *Node) owePeerAProbe(p overlay.Peer) {
	if len(n.farewell) >= maxFarewells {
		n.farewell = n.farewell[1:]
		n.stats.FarewellsDropped++
	}
	n.farewell = append(n.farewell, p)
}

// Step handles a message from a peer. Messages from this node itself, of
// another protocol, or with malformed fields are ignored and counted.
func (n *Node) Step(now time.Time, from overlay.Peer, msg overlay.Message) {
	if from.Validate() != nil || from.ID == n.cfg.Self.ID {
		n.stats.Ignored++
		return
	}
	n.Heard(now, from.ID)
	switch m := msg.(type) {
	case Ping:
		n.handlePing(from, m)
	case Ack:
		n.handleAck(now, from, m)
	case PingReq:
		n.handlePingReq(now, from, m)
	case Nack:
		n.handleNack(from, m)
	case Suspect:
		n.handleSuspect(from, m)
	default:
		n.stats.Ignored++
	}
}

// Tick advances the node's timers: helpers' nacks, the outstanding probe,
// suspicion timers, and the start of the next protocol period. Call it
// well within ProbeTimeout of the last call (every 50–100 ms), since
// timers fire only on Tick. After Leave it does nothing.
func (n *Node) Tick(now time.Time) {
	if n.leaving {
		return
	}
	n.tickRelays(now)
	n.tickProbe(now)
	n.tickSuspicions(now)
}

// Leave announces a graceful departure: it broadcasts Left at the current
// incarnation, once, and stops probing, refuting and declaring others dead.
// The node still answers pings until the runtime stops it.
func (n *Node) Leave(_ time.Time) {
	if n.leaving {
		return
	}
	n.leaving = true
	n.probe = nil
	n.emit(Broadcast{Update: n.selfUpdate(StateLeft)})
}

func (n *Node) selfUpdate(st State) Update {
	return Update{Member: n.cfg.Self, Incarnation: n.incarnation, State: st, From: n.cfg.Self.ID}
}
