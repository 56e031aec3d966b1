package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Handler is one simulated node's endpoint; the experiment adapts a protocol
// state machine to it. The network calls it from Step with Now() set to the
// event's time; it may call back into the network (Send, After, Connect …).
type Handler interface {
	// Deliver reports that a message from node `from` arrived.
	Deliver(from int, msg any)
	// SendFailed reports that a message this node sent could not reach `to`
	// because `to` was down (a TCP-like refusal or a QUIC handshake timeout).
	SendFailed(to int, msg any)
	// ConnectionLost reports that the long-lived connection to peer broke
	// (the peer crashed or a partition cut it off).
	ConnectionLost(peer int)
}

// node is the network's record of one simulated node.
type node struct {
	h     Handler
	up    bool
	inc   uint32  // incarnation: bumped at each crash, invalidating what was addressed to it
	conns []int32 // peers with a long-lived connection, in the order they were made
	group int32   // partition group; meaningful only while Network.partitioned
}

// Network is a simulated network of nodes on a virtual clock. It is not safe
// for concurrent use; it runs everything on the caller's goroutine.
type Network struct {
	cfg   Config
	rng   *rand.Rand
	now   int64 // virtual nanoseconds since cfg.Start
	q     queue
	nodes []node

	// linkTail holds, per directed link (from<<32 | to), the arrival time of
	// the latest message scheduled on it, so that none overtakes it. It is
	// nil when the latency model is fixedPerLink and needs no such help.
	linkTail      map[uint64]int64
	linkTailPrune int // prune linkTail when it reaches this size
	linkTailFloor int // never prune below this size

	partitioned bool
	stats       Stats
}

// New returns an empty network. It copies cfg, fills its zero fields with
// their defaults, and returns an error wrapping ErrInvalidConfig if it is
// invalid.
func New(cfg Config) (*Network, error) {
	if cfg.Latency == nil {
		cfg.Latency = Constant(0)
	}
	if cfg.Start.IsZero() {
		cfg.Start = defaultStart
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &Network{
		cfg:           cfg,
		rng:           rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		linkTailPrune: minLinkTailPrune,
		linkTailFloor: minLinkTailPrune,
	}
	if _, ok := cfg.Latency.(fixedPerLink); !ok {
		n.linkTail = make(map[uint64]int64)
	}
	return n, nil
}

// Add adds a node that is up and returns its index; indices are 0..N-1 in
// the order of Add. h may be nil if SetHandler is called before anything is
// delivered to the node.
func (n *Network) Add(h Handler) int {
	if len(n.nodes) >= math.MaxInt32 {
		panic("sim: too many nodes")
	}
	n.nodes = append(n.nodes, node{h: h, up: true})
	n.stats.PerNodeSent = append(n.stats.PerNodeSent, Counter{})
	n.stats.PerNodeDelivered = append(n.stats.PerNodeDelivered, Counter{})
	return len(n.nodes) - 1
}

// SetHandler replaces node i's handler, typically with a fresh state machine
// after Recover. What is already scheduled for the node goes to the new
// handler unless a crash invalidated it.
func (n *Network) SetHandler(i int, h Handler) { n.node(i).h = h }

// Nodes returns the number of nodes added.
func (n *Network) Nodes() int { return len(n.nodes) }

// Now returns the virtual time.
func (n *Network) Now() time.Time { return n.cfg.Start.Add(time.Duration(n.now)) }

// Rand returns the network's generator, for experiments that need
// reproducible choices. Drawing from it changes later draws of the network.
func (n *Network) Rand() *rand.Rand { return n.rng }

// Pending returns the number of scheduled events.
func (n *Network) Pending() int { return n.q.len() }

// After schedules fn to run d from now (0 or negative: at the current instant,
// after the running event). Callbacks due at the same instant run in the order
// they were scheduled.
func (n *Network) After(d time.Duration, fn func()) {
	if fn == nil {
		panic("sim: After with a nil func")
	}
	n.q.push(n.at(d), event{kind: evCallback, fn: fn})
}

// AfterNode is After for a timer that belongs to node i: fn runs only if i
// is up then and has not crashed in between (a crash kills a node's timers).
func (n *Network) AfterNode(i int, d time.Duration, fn func()) {
	if fn == nil {
		panic("sim: AfterNode with a nil func")
	}
	nd := n.node(i)
	if !nd.up {
		return
	}
	n.q.push(n.at(d), event{kind: evNodeCallback, to: int32(i), inc: nd.inc, fn: fn})
}

// Step processes the next event and reports whether there was one.
func (n *Network) Step() bool {
	if n.q.len() == 0 {
		return false
	}
	at, ev := n.q.pop()
	n.now = at
	n.stats.Events++
	n.dispatch(ev)
	return true
}

// RunUntil processes every event due at or before t, then sets the clock to
// t (if t is not in the past).
func (n *Network) RunUntil(t time.Time) {
	end := int64(t.Sub(n.cfg.Start))
	for n.q.len() > 0 && n.q.peek() <= end {
		n.Step()
	}
	n.now = max(n.now, end)
}

// RunUntilIdle processes events until none is left or maxEvents have been
// processed (maxEvents <= 0: no limit). It returns how many it processed and
// whether the queue is empty.
func (n *Network) RunUntilIdle(maxEvents int) (processed int, idle bool) {
	for maxEvents <= 0 || processed < maxEvents {
		if !n.Step() {
			return processed, true
		}
		processed++
	}
	return processed, n.q.len() == 0
}

// dispatch performs one event that has fallen due.
func (n *Network) dispatch(ev event) {
	switch ev.kind {
	case evDeliver:
		n.deliver(ev)
	case evSendFailed:
		if nd := &n.nodes[ev.from]; n.current(nd, ev.inc) {
			nd.handler(int(ev.from)).SendFailed(int(ev.to), ev.msg)
		}
	case evConnectionLost:
		if nd := &n.nodes[ev.from]; n.current(nd, ev.inc) && !n.Connected(int(ev.from), int(ev.to)) {
			nd.handler(int(ev.from)).ConnectionLost(int(ev.to))
		}
	case evCallback:
		ev.fn()
	case evNodeCallback:
		if n.current(&n.nodes[ev.to], ev.inc) {
			ev.fn()
		}
	}
}

// current reports whether nd is up and still the incarnation inc.
func (n *Network) current(nd *node, inc uint32) bool { return nd.up && nd.inc == inc }

// handler returns the node's handler; a nil one is the experiment's bug.
func (nd *node) handler(i int) Handler {
	if nd.h == nil {
		panic(fmt.Sprintf("sim: node %d has no handler", i))
	}
	return nd.h
}

// node returns node i, panicking with a clear message on a bad index.
func (n *Network) node(i int) *node {
	if i < 0 || i >= len(n.nodes) {
		panic(fmt.Sprintf("sim: node %d out of range [0, %d)", i, len(n.nodes)))
	}
	return &n.nodes[i]
}

// at converts a delay from now into an absolute virtual time, saturating
// instead of overflowing.
func (n *Network) at(d time.Duration) int64 {
	if d <= 0 {
		return n.now
	}
	if int64(d) > math.MaxInt64-n.now {
		return math.MaxInt64
	}
	return n.now + int64(d)
}
