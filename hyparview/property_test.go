package hyparview

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

// testNet delivers messages between Nodes in a random order that is FIFO per
// directed link, as QUIC streams are. Sends to a crashed node fail at once.
type testNet struct {
	t       *testing.T
	rng     *rand.Rand
	now     time.Time
	nodes   []*Node
	crashed []bool
	queues  map[[2]int][]overlay.Message
	dirty   []int    // nodes that took an input since the last invariant check
	links   [][2]int // links with queued messages, kept in first-use order
	index   map[overlay.NodeID]int
}

func newTestNet(t *testing.T, seed uint64) *testNet {
	return &testNet{
		t:      t,
		rng:    rand.New(rand.NewPCG(seed, 0)),
		now:    epoch,
		queues: map[[2]int][]overlay.Message{},
		index:  map[overlay.NodeID]int{},
	}
}

func (tn *testNet) addNode(cfg func(*Config)) int {
	i := len(tn.nodes)
	c := Config{Self: peer(i), Rand: rand.New(rand.NewPCG(tn.rng.Uint64(), uint64(i))), PassiveSize: 12}
	if cfg != nil {
		cfg(&c)
	}
	n, err := New(c)
	require.NoError(tn.t, err)
	tn.nodes = append(tn.nodes, n)
	tn.crashed = append(tn.crashed, false)
	tn.index[c.Self.ID] = i
	return i
}

// flush moves node i's outputs into the link queues.
func (tn *testNet) flush(i int) {
	tn.dirty = append(tn.dirty, i)
	rd := tn.nodes[i].Ready()
	for _, o := range rd.Messages {
		j, ok := tn.index[o.To.ID]
		require.True(tn.t, ok, "message to unknown node %s", o.To.ID)
		if tn.crashed[j] {
			tn.nodes[i].PeerFailed(tn.now, o.To.ID)
			continue
		}
		key := [2]int{i, j}
		if len(tn.queues[key]) == 0 {
			tn.links = append(tn.links, key)
		}
		tn.queues[key] = append(tn.queues[key], o.Msg)
	}
	if len(rd.Messages) > 0 {
		tn.flush(i) // failures may have produced more output
	}
}

// deliverOne delivers the head of a random non-empty link and reports
// whether there was anything to deliver.
func (tn *testNet) deliverOne() bool {
	if len(tn.links) == 0 {
		return false
	}
	k := tn.rng.IntN(len(tn.links))
	key := tn.links[k]
	q := tn.queues[key]
	msg := q[0]
	if len(q) == 1 {
		delete(tn.queues, key)
		tn.links = append(tn.links[:k], tn.links[k+1:]...)
	} else {
		tn.queues[key] = q[1:]
	}
	from, to := key[0], key[1]
	if !tn.crashed[to] {
		tn.nodes[to].Step(tn.now, tn.nodes[from].Self(), msg)
		tn.flush(to)
	}
	return true
}

// crash stops node i: what it had queued is lost, and its active peers see
// the connection break.
func (tn *testNet) crash(i int) {
	tn.crashed[i] = true
	kept := tn.links[:0]
	for _, key := range tn.links {
		if key[0] == i {
			delete(tn.queues, key)
			continue
		}
		kept = append(kept, key)
	}
	tn.links = kept
	for j, n := range tn.nodes {
		if !tn.crashed[j] && contains(n.Active(), tn.nodes[i].Self().ID) {
			n.PeerFailed(tn.now, tn.nodes[i].Self().ID)
			tn.flush(j)
		}
	}
}

func (tn *testNet) randomLive() int {
	for {
		i := tn.rng.IntN(len(tn.nodes))
		if !tn.crashed[i] {
			return i
		}
	}
}

// checkInvariants holds after every single step, on every node the step
// touched.
func (tn *testNet) checkInvariants(step int) {
	for _, i := range tn.dirty {
		n := tn.nodes[i]
		self := n.Self().ID
		all := append(n.active.list(), n.passive.peers...)
		for a, p := range all {
			require.NotEqual(tn.t, self, p.ID, "step %d: node %d holds itself in a view", step, i)
			for _, q := range all[a+1:] {
				require.NotEqual(tn.t, p.ID, q.ID, "step %d: node %d holds %s twice (active %v, passive %v)", step, i, p.ID, n.active.peers, n.passive.peers)
			}
		}
		require.LessOrEqual(tn.t, n.active.len(), n.cfg.ActiveSize, "step %d: node %d active view", step, i)
		require.LessOrEqual(tn.t, n.passive.len(), n.cfg.PassiveSize, "step %d: node %d passive view", step, i)
	}
	tn.dirty = tn.dirty[:0]
}

// checkSymmetric holds once no message is in flight.
func (tn *testNet) checkSymmetric() {
	for i, n := range tn.nodes {
		if tn.crashed[i] {
			continue
		}
		for _, p := range n.Active() {
			j := tn.index[p.ID]
			require.False(tn.t, tn.crashed[j], "node %d keeps crashed %d active with nothing in flight", i, j)
			require.True(tn.t, contains(tn.nodes[j].Active(), n.Self().ID),
				"node %d has %d in its active view but not the reverse: %v vs %v", i, j, n.Active(), tn.nodes[j].Active())
		}
	}
}

// TestViewsSymmetricWhenQuiet drives honest nodes through random joins,
// ticks, crashes and message interleavings, checking the invariants after
// every step and symmetry of the active views whenever the network is quiet.
func TestViewsSymmetricWhenQuiet(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			tn := newTestNet(t, seed)
			tn.addNode(nil)
			step := 0
			for round := 0; round < 6; round++ {
				for a := 0; a < 300; a++ {
					step++
					switch r := tn.rng.IntN(100); {
					case r < 8 && len(tn.nodes) < 60:
						j := tn.addNode(nil)
						tn.nodes[j].Join(tn.nodes[tn.randomLive()].Self())
						tn.flush(j)
					case r < 20:
						tn.now = tn.now.Add(time.Duration(tn.rng.IntN(3000)) * time.Millisecond)
						i := tn.randomLive()
						tn.nodes[i].Tick(tn.now)
						tn.flush(i)
					case r < 21 && len(tn.nodes) > 10:
						tn.crash(tn.randomLive())
					default:
						tn.deliverOne()
					}
					tn.checkInvariants(step)
				}
				for tn.deliverOne() {
					step++
					tn.checkInvariants(step)
				}
				tn.checkSymmetric()
			}
		})
	}
}

// TestInvariantsUnderArbitraryMessages feeds nodes random, possibly
// nonsensical messages from random peers, including unknown ones.
func TestInvariantsUnderArbitraryMessages(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	n := newTestNode(t, nil, nil, func(c *Config) { c.PassiveSize = 8; c.ActiveSize = 3 })
	tn := &testNet{t: t, nodes: []*Node{n}, dirty: []int{0}}
	randomPeer := func() overlay.Peer {
		if rng.IntN(20) == 0 {
			return overlay.Peer{} // invalid
		}
		return peer(rng.IntN(15)) // includes node 0 itself
	}
	randomPeers := func() []overlay.Peer {
		ps := make([]overlay.Peer, rng.IntN(10))
		for i := range ps {
			ps[i] = randomPeer()
		}
		return ps
	}
	now := epoch
	for step := 0; step < 20000; step++ {
		var msg overlay.Message
		switch rng.IntN(9) {
		case 0:
			msg = Join{}
		case 1:
			msg = ForwardJoin{Joiner: randomPeer(), TTL: uint8(rng.IntN(256))}
		case 2:
			msg = Neighbor{HighPriority: rng.IntN(2) == 0}
		case 3:
			msg = NeighborReply{Accepted: rng.IntN(2) == 0}
		case 4:
			msg = Disconnect{}
		case 5:
			msg = Shuffle{Origin: randomPeer(), TTL: uint8(rng.IntN(256)), Entries: randomPeers()}
		case 6:
			msg = ShuffleReply{Entries: randomPeers()}
		case 7:
			now = now.Add(time.Duration(rng.IntN(5000)) * time.Millisecond)
			n.Tick(now)
		case 8:
			n.PeerFailed(now, randomPeer().ID)
		}
		if msg != nil {
			n.Step(now, randomPeer(), msg)
		}
		for _, o := range n.Ready().Messages {
			require.NotEqual(t, n.Self().ID, o.To.ID, "step %d: message to itself", step)
			require.NoError(t, o.To.Validate())
		}
		tn.dirty = append(tn.dirty, 0)
		tn.checkInvariants(step)
	}
}
