package swim

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

// simNet runs SWIM nodes on a virtual clock. Every node probes all others
// (a full-mesh active view). Messages arrive after a random delay and are
// never lost, except those to a crashed node. A Broadcast is modelled as
// the layer above would deliver it: Observe at every live node, the sender
// included, after a random dissemination delay. A slow node's messages and
// broadcasts take up to slowDelay more.
type simNet struct {
	t       *testing.T
	rng     *rand.Rand
	now     time.Time
	nodes   []*Node
	crashed []bool
	slow    []bool
	queue   simQueue
	seq     uint64
	index   map[overlay.NodeID]int

	// suspected counts the suspicions broadcast about each node;
	// deadAt records when each node first knew each member dead.
	suspected []int
	deadAt    []map[int]time.Time
}

const (
	simTick      = 50 * time.Millisecond
	netDelayMax  = 20 * time.Millisecond  // one hop on a LAN
	castDelayMax = 100 * time.Millisecond // a few hops of a broadcast tree
	slowDelay    = 2 * time.Second
)

func newSimNet(t *testing.T, seed uint64, size int) *simNet {
	s := &simNet{
		t:     t,
		rng:   rand.New(rand.NewPCG(seed, 0x5717)),
		now:   epoch,
		index: map[overlay.NodeID]int{},
	}
	for i := range size {
		n, err := New(Config{Self: peer(i), Rand: rand.New(rand.NewPCG(seed, uint64(i)))})
		require.NoError(t, err)
		n.SetClusterSize(size)
		n.SetAckPayload([]byte(fmt.Sprint(i)))
		s.nodes = append(s.nodes, n)
		s.index[peer(i).ID] = i
		s.deadAt = append(s.deadAt, map[int]time.Time{})
	}
	s.crashed = make([]bool, size)
	s.slow = make([]bool, size)
	s.suspected = make([]int, size)
	for i, n := range s.nodes {
		for j := range size {
			if j != i {
				n.NeighborUp(s.now, peer(j))
			}
		}
		s.schedule(simEvent{at: s.now.Add(s.randDelay(simTick)), kind: evTick, to: i})
	}
	return s
}

func (s *simNet) randDelay(upTo time.Duration) time.Duration {
	return time.Duration(s.rng.Int64N(int64(upTo))) + time.Millisecond
}

// delay is how long something node i sends takes to arrive.
func (s *simNet) delay(i int, base time.Duration) time.Duration {
	d := s.randDelay(base)
	if s.slow[i] {
		d += s.randDelay(slowDelay)
	}
	return d
}

func (s *simNet) schedule(e simEvent) {
	s.seq++
	e.seq = s.seq
	heap.Push(&s.queue, e)
}

// flush moves node i's outputs onto the network.
func (s *simNet) flush(i int) {
	rd := s.nodes[i].Ready()
	for _, o := range rd.Messages {
		j, ok := s.index[o.To.ID]
		require.True(s.t, ok, "message to unknown node %s", o.To.ID)
		require.NotEqual(s.t, i, j, "node %d sends %T to itself", i, o.Msg)
		s.schedule(simEvent{at: s.now.Add(s.delay(i, netDelayMax)), kind: evMessage, from: i, to: j, msg: o.Msg})
	}
	for _, b := range eventsOf[Broadcast](rd) {
		u := b.Update
		about := s.index[u.Member.ID]
		switch u.State {
		case StateSuspect:
			s.suspected[about]++
		case StateDead, StateLeft:
			require.True(s.t, s.crashed[about], "%v: node %d declares live node %d %s", s.now.Sub(epoch), i, about, u.State)
		}
		for j := range s.nodes {
			s.schedule(simEvent{at: s.now.Add(s.delay(i, castDelayMax)), kind: evObserve, to: j, update: u})
		}
	}
}

// run processes events until the virtual clock reaches end.
func (s *simNet) run(end time.Time) {
	for s.queue.Len() > 0 && !s.queue[0].at.After(end) {
		e := heap.Pop(&s.queue).(simEvent)
		s.now = e.at
		if s.crashed[e.to] {
			continue // a crashed node takes no input and never ticks again
		}
		n := s.nodes[e.to]
		switch e.kind {
		case evTick:
			n.Tick(s.now)
			s.schedule(simEvent{at: s.now.Add(simTick), kind: evTick, to: e.to})
		case evMessage:
			n.Step(s.now, peer(e.from), e.msg)
		case evObserve:
			n.Observe(s.now, e.update)
			about := s.index[e.update.Member.ID]
			if got, _ := n.Member(e.update.Member.ID); got.State == StateDead {
				if _, seen := s.deadAt[e.to][about]; !seen {
					s.deadAt[e.to][about] = s.now
				}
			}
		}
		s.flush(e.to)
	}
	s.now = end
}

func (s *simNet) live() []int {
	var out []int
	for i := range s.nodes {
		if !s.crashed[i] {
			out = append(out, i)
		}
	}
	return out
}

type evKind uint8

const (
	evTick evKind = iota
	evMessage
	evObserve
)

type simEvent struct {
	at     time.Time
	seq    uint64 // ties broken by scheduling order, for determinism
	kind   evKind
	from   int
	to     int
	msg    overlay.Message
	update Update
}

type simQueue []simEvent

func (q simQueue) Len() int { return len(q) }
func (q simQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q simQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)   { *q = append(*q, x.(simEvent)) }
func (q *simQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// detectionBound is how long a crash may take to be known everywhere, from
// the defaults: SWIM §4.3's round-robin probes a member within two rounds
// of N−1 periods, the suspicion runs at most its maximum timeout (plus one
// minimum at nodes that did not suspect it themselves), and the verdict
// needs a broadcast delay.
func detectionBound(size int) time.Duration {
	lo, hi := suspicionBounds(Config{}.withDefaults())
	return 2*time.Duration(size-1)*DefaultProbeInterval + hi + lo + castDelayMax + slowDelay
}

// TestCrashedNodesDeclaredDeadSlowNodesSpared runs 20 nodes of which some
// are slow from the start and some crash later. Every crashed node must be
// dead at every live node within the detection bound; no live node, slow or
// not, may ever be declared dead (flush checks each broadcast); and each
// slow node's lag must show in its probers' round-trip estimates, the
// adaptive timeout that spares it.
func TestCrashedNodesDeclaredDeadSlowNodesSpared(t *testing.T) {
	const size = 20
	for seed := uint64(1); seed <= 10; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			s := newSimNet(t, seed, size)
			order := s.rng.Perm(size)
			slow, crash := order[:2], order[2:5]
			for _, i := range slow {
				s.slow[i] = true
			}
			crashAt := epoch.Add(20 * time.Second)
			s.run(crashAt)
			for _, i := range crash {
				s.crashed[i] = true
			}
			bound := detectionBound(size)
			s.run(crashAt.Add(bound))

			var slowest time.Duration
			for _, j := range s.live() {
				for _, c := range crash {
					at, ok := s.deadAt[j][c]
					require.True(t, ok, "node %d does not know crashed node %d dead", j, c)
					slowest = max(slowest, at.Sub(crashAt))
				}
				for _, i := range s.live() {
					if i == j {
						continue
					}
					got, _ := s.nodes[j].Member(peer(i).ID)
					assert.NotEqual(t, StateDead, got.State, "node %d holds live node %d dead", j, i)
				}
			}
			t.Logf("crashes known everywhere %v after the crash (bound %v)", slowest, bound)
			for _, i := range slow {
				var longest time.Duration
				for _, j := range s.live() {
					if m, ok := s.nodes[j].members[peer(i).ID]; ok && j != i {
						longest = max(longest, m.rtt.srtt)
					}
				}
				assert.Greater(t, longest, 2*netDelayMax, "slow node %d's lag shows in its probers' round-trip estimates", i)
			}
		})
	}
}

// TestHealthyClusterRaisesNoSuspicion checks that, with every message
// arriving well within the probe timeout, nobody is ever suspected, and
// every probe yields an RTT sample.
func TestHealthyClusterRaisesNoSuspicion(t *testing.T) {
	const size = 20
	s := newSimNet(t, 42, size)
	s.run(epoch.Add(2 * time.Minute))
	for i, n := range s.nodes {
		st := n.Stats()
		assert.Zero(t, s.suspected[i], "node %d suspected", i)
		assert.Zero(t, st.ProbesFailed, "node %d", i)
		assert.Zero(t, n.Incarnation(), "node %d", i)
		assert.Zero(t, n.LocalHealth(), "node %d", i)
		assert.Greater(t, st.ProbesAcked, uint64(100), "node %d probes once a second", i)
	}
}
