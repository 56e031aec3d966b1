package plumtree

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/stretchr/testify/require"
)

// simNet is a synchronous in-memory network of Plumtree nodes on a fixed
// graph. Each round it delivers a random subset of the pending messages in
// random order (the rest wait, so messages overtake each other), then
// advances the clock and ticks every node. Everything is drawn from one
// seeded generator, so a seed reproduces a run.
type simNet struct {
	t   testing.TB
	rng *rand.Rand
	now time.Time

	ids   []overlay.NodeID
	nodes map[overlay.NodeID]*Node
	adj   map[overlay.NodeID]map[overlay.NodeID]bool

	pending []envelope

	// What was broadcast, and how often each node delivered it.
	payloads  map[MessageID][]byte
	delivered map[overlay.NodeID]map[MessageID]int

	// Loss model (see dropGossip).
	dropProb    float64
	transmitted map[linkMessage]bool
	exempt      map[linkMessage]bool
	dropped     int
}

type envelope struct {
	from, to overlay.NodeID
	msg      overlay.Message
}

// linkMessage is one message ID on one directed link.
type linkMessage struct {
	from, to overlay.NodeID
	id       MessageID
}

const (
	simStep        = 20 * time.Millisecond
	simDeliverProb = 0.6
)

// newSimNet builds size nodes on a random connected graph: a random
// spanning tree plus size extra random edges (average degree about 4).
func newSimNet(t testing.TB, seed uint64, size int, configure func(*Config)) *simNet {
	t.Helper()
	s := &simNet{
		t:           t,
		rng:         rand.New(rand.NewPCG(seed, 0x6e6574)),
		now:         t0,
		nodes:       make(map[overlay.NodeID]*Node),
		adj:         make(map[overlay.NodeID]map[overlay.NodeID]bool),
		payloads:    make(map[MessageID][]byte),
		delivered:   make(map[overlay.NodeID]map[MessageID]int),
		transmitted: make(map[linkMessage]bool),
		exempt:      make(map[linkMessage]bool),
	}
	for i := range size {
		id := overlay.NodeID(fmt.Sprintf("n%02d", i))
		cfg := testConfig(id, s.rng.Uint64())
		configure(&cfg)
		n, err := New(cfg)
		require.NoError(t, err)
		s.ids = append(s.ids, id)
		s.nodes[id] = n
		s.adj[id] = make(map[overlay.NodeID]bool)
		s.delivered[id] = make(map[MessageID]int)
	}
	perm := s.rng.Perm(size)
	for i := 1; i < size; i++ {
		s.connect(s.ids[perm[i]], s.ids[perm[s.rng.IntN(i)]])
	}
	for range size {
		a, b := s.ids[s.rng.IntN(size)], s.ids[s.rng.IntN(size)]
		if a != b && !s.adj[a][b] {
			s.connect(a, b)
		}
	}
	return s
}

func (s *simNet) connect(a, b overlay.NodeID) {
	s.adj[a][b], s.adj[b][a] = true, true
	s.nodes[a].NeighborUp(s.now, peer(b))
	s.drain(a)
	s.nodes[b].NeighborUp(s.now, peer(a))
	s.drain(b)
}

// disconnect removes an edge as HyParView would: both ends get
// NeighborDown, and whatever was in flight on the link is lost.
func (s *simNet) disconnect(a, b overlay.NodeID) {
	delete(s.adj[a], b)
	delete(s.adj[b], a)
	s.pending = slices.DeleteFunc(s.pending, func(e envelope) bool {
		return (e.from == a && e.to == b) || (e.from == b && e.to == a)
	})
	s.nodes[a].NeighborDown(s.now, b)
	s.drain(a)
	s.nodes[b].NeighborDown(s.now, a)
	s.drain(b)
}

// drain collects a node's output after an input and checks its
// invariants.
func (s *simNet) drain(id overlay.NodeID) {
	n := s.nodes[id]
	requireInvariants(s.t, n)
	var neighbours []overlay.NodeID
	for p := range s.adj[id] {
		neighbours = append(neighbours, p)
	}
	slices.Sort(neighbours)
	sets := append(idsOf(n.Eager()), idsOf(n.Lazy())...)
	slices.Sort(sets)
	if !slices.Equal(neighbours, sets) {
		require.Equal(s.t, neighbours, sets, "%s: eager ∪ lazy must be the neighbours", id)
	}

	rd := n.Ready()
	for _, ev := range rd.Events {
		d := ev.(Deliver)
		s.delivered[id][d.ID]++
		if s.delivered[id][d.ID] != 1 || !bytes.Equal(s.payloads[d.ID], d.Payload) {
			s.t.Fatalf("%s delivered %s %d times, payload %q, want once, %q",
				id, d.ID, s.delivered[id][d.ID], d.Payload, s.payloads[d.ID])
		}
	}
	for _, o := range rd.Messages {
		if !s.adj[id][o.To.ID] {
			s.t.Fatalf("%s sent to non-neighbour %s", id, o.To.ID)
		}
		e := envelope{from: id, to: o.To.ID, msg: o.Msg}
		if !s.dropGossip(e) {
			s.pending = append(s.pending, e)
		}
	}
}

// dropGossip decides whether to lose an eager push, to force lazy repair.
// Plumtree assumes reliable links, and a push lost on the only path to a
// node would be lost for good, so the model only drops a push when the
// receiver must still learn the message: it drops the first transmission
// of a message on a link, with probability dropProb, if some other
// neighbour w of the receiver has already delivered the message and keeps
// the receiver lazy (so w announced it, or pushed it earlier under the same
// rule). A resend answering a GRAFT is never dropped.
func (s *simNet) dropGossip(e envelope) bool {
	g, ok := e.msg.(Gossip)
	if !ok {
		return false
	}
	lm := linkMessage{e.from, e.to, g.ID}
	first := !s.transmitted[lm]
	s.transmitted[lm] = true
	if s.exempt[lm] || !first || s.rng.Float64() >= s.dropProb {
		return false
	}
	for w := range s.adj[e.to] {
		if w != e.from && s.delivered[w][g.ID] > 0 && s.nodes[w].peers.isLazy(e.to) {
			s.dropped++
			return true
		}
	}
	return false
}

func (s *simNet) deliver(e envelope) {
	if g, ok := e.msg.(Graft); ok && !g.ID.IsZero() {
		s.exempt[linkMessage{e.to, e.from, g.ID}] = true
	}
	s.nodes[e.to].Step(s.now, peer(e.from), e.msg)
	s.drain(e.to)
}

func (s *simNet) broadcast(origin overlay.NodeID) {
	payload := fmt.Appendf(nil, "from %s at %v", origin, s.now.Sub(t0))
	// The ID is only known after the call, so peek at the node's next one.
	next := s.nodes[origin].ids
	s.payloads[next.next()] = payload
	s.nodes[origin].Broadcast(s.now, payload)
	s.drain(origin)
}

// round delivers each pending message with probability simDeliverProb, in
// random order, then advances the clock one step and ticks every node.
func (s *simNet) round() {
	batch := s.pending
	s.pending = nil
	s.rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
	var later []envelope
	for _, e := range batch {
		if s.rng.Float64() < simDeliverProb {
			s.deliver(e)
		} else {
			later = append(later, e)
		}
	}
	s.pending = append(later, s.pending...)
	s.now = s.now.Add(simStep)
	for _, id := range s.ids {
		s.nodes[id].Tick(s.now)
		s.drain(id)
	}
}

// quiet reports whether nothing is in flight, queued or awaited.
func (s *simNet) quiet() bool {
	if len(s.pending) > 0 {
		return false
	}
	for _, n := range s.nodes {
		if len(n.missing.byID) > 0 {
			return false
		}
		for _, nb := range n.peers.byID {
			if len(nb.pending) > 0 {
				return false
			}
		}
	}
	return true
}

func (s *simNet) runUntilQuiet(maxRounds int) {
	for range maxRounds {
		if s.quiet() {
			return
		}
		s.round()
	}
	s.t.Fatalf("network not quiet after %d rounds: %d messages pending", maxRounds, len(s.pending))
}

// requireAllDelivered checks that every node delivered every broadcast
// exactly once.
func (s *simNet) requireAllDelivered() {
	for _, id := range s.ids {
		for mid := range s.payloads {
			require.Equal(s.t, 1, s.delivered[id][mid], "%s delivered %s %d times", id, mid, s.delivered[id][mid])
		}
	}
}

// eagerShape describes the eager links: the links both ends keep eager,
// the links only one end keeps eager, and the number of connected
// components of the graph of links either end keeps eager.
func (s *simNet) eagerShape() (edges, asymmetric, components int) {
	eager := func(a, b overlay.NodeID) bool {
		return s.nodes[a].peers.isEager(b) || s.nodes[b].peers.isEager(a)
	}
	for _, a := range s.ids {
		for b := range s.adj[a] {
			switch ea, eb := s.nodes[a].peers.isEager(b), s.nodes[b].peers.isEager(a); {
			case a > b:
			case ea && eb:
				edges++
			case ea != eb:
				asymmetric++
			}
		}
	}
	seen := make(map[overlay.NodeID]bool)
	for _, root := range s.ids {
		if seen[root] {
			continue
		}
		components++
		seen[root] = true
		queue := []overlay.NodeID{root}
		for len(queue) > 0 {
			x := queue[0]
			queue = queue[1:]
			for y := range s.adj[x] {
				if !seen[y] && eager(x, y) {
					seen[y] = true
					queue = append(queue, y)
				}
			}
		}
	}
	return edges, asymmetric, components
}

// randomNonBridge picks an edge whose removal keeps the graph connected.
func (s *simNet) randomNonBridge() (overlay.NodeID, overlay.NodeID, bool) {
	var edges [][2]overlay.NodeID
	for _, a := range s.ids {
		for _, b := range s.ids {
			if a < b && s.adj[a][b] {
				edges = append(edges, [2]overlay.NodeID{a, b})
			}
		}
	}
	s.rng.Shuffle(len(edges), func(i, j int) { edges[i], edges[j] = edges[j], edges[i] })
	for _, e := range edges {
		if s.connectedWithout(e[0], e[1]) {
			return e[0], e[1], true
		}
	}
	return "", "", false
}

func (s *simNet) connectedWithout(a, b overlay.NodeID) bool {
	seen := map[overlay.NodeID]bool{a: true}
	queue := []overlay.NodeID{a}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		for y := range s.adj[x] {
			if (x == a && y == b) || (x == b && y == a) || seen[y] {
				continue
			}
			seen[y] = true
			queue = append(queue, y)
		}
	}
	return len(seen) == len(s.ids)
}

func (s *simNet) sumStats(f func(Stats) uint64) uint64 {
	var total uint64
	for _, n := range s.nodes {
		total += f(n.Stats())
	}
	return total
}

// TestNetworkDeliversEverythingExactlyOnce is the property test: on random
// graphs of 20 to 60 nodes, with random interleaving, several concurrent
// broadcasters and lost eager pushes, every node delivers every message
// exactly once; after an edge is removed while messages are in flight, it
// still does.
func TestNetworkDeliversEverythingExactlyOnce(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 0))
			size := 20 + rng.IntN(41)
			graft := []time.Duration{60 * ms, 200 * ms, 500 * ms}[rng.IntN(3)]
			flush := []time.Duration{0, 100 * ms}[rng.IntN(2)]
			threshold := []int{2, 7}[rng.IntN(2)]
			latency := rng.IntN(2) == 0
			s := newSimNet(t, seed, size, func(c *Config) {
				c.GraftTimeout = graft
				c.SecondGraftTimeout = graft / 2
				c.IHaveFlushInterval = flush
				c.OptimizationThreshold = threshold
				c.LatencyOptimization = latency
				c.LatencyMargin = 30 * ms
				c.CacheTTL = time.Hour
			})
			t.Logf("%d nodes, graft %v, flush %v, threshold %d, latency rule %v", size, graft, flush, threshold, latency)

			// Phase 1: concurrent broadcasts with lossy eager pushes.
			s.dropProb = 0.3
			for range 30 {
				for range rng.IntN(3) {
					s.broadcast(s.ids[rng.IntN(size)])
				}
				s.round()
			}
			s.runUntilQuiet(5000)
			s.requireAllDelivered()
			require.Positive(t, s.dropped, "the loss model dropped nothing")
			require.Positive(t, s.sumStats(func(st Stats) uint64 { return st.GraftTimerFired }), "no lazy repair happened")

			// Phase 2: reliable links, but an edge goes down mid-flight.
			s.dropProb = 0
			for i := range 20 {
				for range 1 + rng.IntN(2) {
					s.broadcast(s.ids[rng.IntN(size)])
				}
				if i == 3 {
					a, b, ok := s.randomNonBridge()
					require.True(t, ok, "graph has a cycle")
					s.disconnect(a, b)
				}
				s.round()
			}
			s.runUntilQuiet(5000)
			s.requireAllDelivered()

			// Broadcast one at a time, each run until quiet. Prunes only
			// cut cycles, repairs and swaps only add links to nodes that
			// already have the message, so at rest the eager links always
			// connect every node, and they settle into a spanning tree
			// (symmetric: both ends agree on every link's role).
			settled := false
			for range 10 {
				s.broadcast(s.ids[rng.IntN(size)])
				s.runUntilQuiet(5000)
				s.requireAllDelivered()
				edges, asymmetric, components := s.eagerShape()
				require.Equal(t, 1, components, "eager links do not connect the overlay")
				settled = settled || (edges == size-1 && asymmetric == 0)
			}
			require.True(t, settled, "eager links never settled into a spanning tree")
			t.Logf("%d drops in phase 1, %d graft timers fired in all", s.dropped,
				s.sumStats(func(st Stats) uint64 { return st.GraftTimerFired }))
		})
	}
}

// TestNetworkBroadcastsAlongATree checks the paper's main claim: once the
// first broadcast has pruned the redundant links, and with graft timers
// slower than the network, every broadcast, from any root, costs exactly
// one GOSSIP per node but the root, with no duplicate and no repair. The
// optimisations may swap links meanwhile without breaking this.
func TestNetworkBroadcastsAlongATree(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 1))
			size := 20 + rng.IntN(41)
			s := newSimNet(t, seed, size, func(c *Config) {
				c.GraftTimeout = 5 * time.Second
				c.OptimizationThreshold = 2
				c.LatencyOptimization = true
				c.CacheTTL = time.Hour
			})
			cost := func(st Stats) [3]uint64 { return [3]uint64{st.GossipSent, st.Duplicates, st.GraftTimerFired} }
			total := func() (sum [3]uint64) {
				for _, n := range s.nodes {
					for i, v := range cost(n.Stats()) {
						sum[i] += v
					}
				}
				return sum
			}
			s.broadcast(s.ids[0])
			s.runUntilQuiet(5000)
			for range 10 {
				before := total()
				s.broadcast(s.ids[rng.IntN(size)])
				s.runUntilQuiet(5000)
				after := total()
				require.Equal(t, [3]uint64{uint64(size - 1), 0, 0},
					[3]uint64{after[0] - before[0], after[1] - before[1], after[2] - before[2]},
					"pushes, duplicates, repairs of one broadcast")
			}
			s.requireAllDelivered()
		})
	}
}
