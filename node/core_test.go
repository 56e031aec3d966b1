package node

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// testCluster runs Cores on a synchronous network: messages are delivered
// in FIFO order after the sender's call returns, every message takes one
// millisecond, and a send to a crashed node fails at once.
type testCluster struct {
	t       *testing.T
	now     time.Time
	cores   []*Core
	index   map[overlay.NodeID]int
	crashed []bool
	queue   []pending
	// side, when set, partitions the cluster: nodes on different sides
	// cannot reach each other, as if each had crashed for the other.
	side []int
	// blocked cuts the links it holds, from one node to another, the same
	// way; delivered records the links that carried a message.
	blocked, delivered map[[2]int]bool
	// trace, when set, records every message delivered.
	trace *[]pending
}

type pending struct {
	from, to int
	msg      overlay.Message
}

// newTestCluster makes n Cores; edit, if given, adjusts each one's Config.
func newTestCluster(t *testing.T, n int, edit ...func(i int, cfg *Config)) *testCluster {
	tc := &testCluster{t: t, now: t0, index: map[overlay.NodeID]int{}, delivered: map[[2]int]bool{}}
	for i := 0; i < n; i++ {
		self := overlay.Peer{ID: overlay.NodeID(fmt.Sprintf("node-%02d", i)), Addr: fmt.Sprintf("10.0.0.%d:7946", i)}
		cfg := Config{Self: self, Datacenter: []string{"dc1", "dc2"}[i%2], Rand: rand.New(rand.NewPCG(uint64(i), 7))}
		for _, e := range edit {
			e(i, &cfg)
		}
		c, err := New(t0, cfg)
		require.NoError(t, err)
		tc.index[self.ID] = i
		tc.cores = append(tc.cores, c)
		tc.crashed = append(tc.crashed, false)
	}
	return tc
}

// flush queues node i's output messages, after a round trip through the
// codec so that only what survives the wire is delivered.
func (tc *testCluster) flush(i int) {
	for _, o := range tc.cores[i].Ready().Messages {
		j, ok := tc.index[o.To.ID]
		require.True(tc.t, ok, "message to unknown %s", o.To.ID)
		if tc.crashed[j] || tc.cut(i, j) {
			tc.cores[i].PeerFailed(tc.now, o.To.ID)
			tc.flush(i)
			continue
		}
		b, err := tc.cores[i].Codec().Marshal(o.Msg)
		require.NoError(tc.t, err)
		msg, err := tc.cores[j].Codec().Unmarshal(b)
		require.NoError(tc.t, err)
		tc.queue = append(tc.queue, pending{from: i, to: j, msg: msg})
	}
}

// run advances time by d in steps of 100 ms: ticking every live node and
// delivering every message queued, until quiet, at each step.
func (tc *testCluster) run(d time.Duration) {
	for end := tc.now.Add(d); tc.now.Before(end); {
		tc.now = tc.now.Add(100 * time.Millisecond)
		for i, c := range tc.cores {
			if !tc.crashed[i] {
				c.Tick(tc.now)
				tc.flush(i)
			}
		}
		for len(tc.queue) > 0 {
			p := tc.queue[0]
			tc.queue = tc.queue[1:]
			if tc.crashed[p.to] || tc.crashed[p.from] || tc.cut(p.from, p.to) {
				continue
			}
			tc.delivered[[2]int{p.from, p.to}] = true
			if tc.trace != nil {
				*tc.trace = append(*tc.trace, p)
			}
			tc.cores[p.to].Step(tc.now, tc.cores[p.from].Self(), p.msg)
			tc.flush(p.to)
		}
	}
}

func (tc *testCluster) cut(i, j int) bool {
	return tc.side != nil && tc.side[i] != tc.side[j] || tc.blocked[[2]int{i, j}]
}

// waitFor runs until cond holds or max has passed, and reports whether it
// held.
func (tc *testCluster) waitFor(max time.Duration, cond func() bool) bool {
	for end := tc.now.Add(max); tc.now.Before(end); {
		if cond() {
			return true
		}
		tc.run(time.Second)
	}
	return cond()
}

// everyLiveNodeSees reports whether every live node's catalog holds want
// for every member in ids.
func (tc *testCluster) everyLiveNodeSees(ids []int, want catalog.Status) bool {
	for i, c := range tc.cores {
		if tc.crashed[i] {
			continue
		}
		for _, j := range ids {
			r, ok := c.Member(tc.cores[j].Self().ID)
			if !ok || r.Status != want {
				return false
			}
		}
	}
	return true
}

func (tc *testCluster) all() []int {
	ids := make([]int, len(tc.cores))
	for i := range ids {
		ids[i] = i
	}
	return ids
}

func TestCoreClusterConvergesDetectsDeathAndFindsNearest(t *testing.T) {
	tc := newTestCluster(t, 12)
	for i := 1; i < len(tc.cores); i++ {
		tc.cores[i].Join(tc.now, tc.cores[i-1-tc.cores[i].rng.IntN(i)].Self())
		tc.flush(i)
	}
	require.True(t, tc.waitFor(30*time.Second, func() bool { return tc.everyLiveNodeSees(tc.all(), catalog.Alive) }),
		"every catalog lists all 12 members alive")

	// A service registered on one node is found from every other.
	require.NoError(t, tc.cores[3].RegisterService(tc.now, catalog.Service{ID: "web-1", Name: "web", Port: 80, Health: catalog.Passing}))
	tc.flush(3)
	require.True(t, tc.waitFor(10*time.Second, func() bool {
		for _, c := range tc.cores {
			if res := c.Nearest(catalog.Query{Service: "web", N: 1}); len(res.Instances) != 1 {
				return false
			}
		}
		return true
	}), "every node finds web-1")
	res := tc.cores[0].Nearest(catalog.Query{Service: "web", N: 3})
	assert.True(t, res.FailedOver, "node 0 is in dc1 and web-1 runs on node 3 in dc2")

	// A crashed node is declared dead by every survivor, and its service
	// disappears from the answers.
	tc.crashed[3] = true
	assert.True(t, tc.waitFor(60*time.Second, func() bool { return tc.everyLiveNodeSees([]int{3}, catalog.Dead) }),
		"every survivor declares node 3 dead")
	assert.Empty(t, tc.cores[0].Nearest(catalog.Query{Service: "web", N: 3}).Instances)
	for i, c := range tc.cores {
		if i != 3 {
			r, _ := c.Member(c.Self().ID)
			assert.Equal(t, catalog.Alive, r.Status, "node %d never believed itself dead", i)
		}
	}
}

func TestServiceChangesAreValidatedAndUndoneOnRefusal(t *testing.T) {
	tc := newTestCluster(t, 1)
	c := tc.cores[0]
	require.NoError(t, c.RegisterService(tc.now, catalog.Service{ID: "db-1", Name: "db", Port: 5432, Health: catalog.Passing}))
	before := c.Stats().RecordBroadcasts

	err := c.RegisterService(tc.now, catalog.Service{ID: "bad", Name: "", Health: catalog.Passing})
	require.ErrorIs(t, err, catalog.ErrInvalidRecord, "a service without a name is refused")
	assert.False(t, c.SetServiceHealth(tc.now, "db-1", catalog.Health(99)), "an unknown health is refused")
	assert.Equal(t, before, c.Stats().RecordBroadcasts, "nothing refused was broadcast")

	r, ok := c.Member(c.Self().ID)
	require.True(t, ok)
	require.Len(t, r.Services, 1)
	assert.Equal(t, catalog.Passing, r.Services[0].Health)

	assert.True(t, c.SetServiceHealth(tc.now, "db-1", catalog.Critical))
	assert.True(t, c.DeregisterService(tc.now, "db-1"))
	assert.False(t, c.DeregisterService(tc.now, "db-1"))
	r, _ = c.Member(c.Self().ID)
	assert.Empty(t, r.Services)
}

func TestCoreClusterHealsAPartition(t *testing.T) {
	tc := newTestCluster(t, 12)
	for i := 1; i < len(tc.cores); i++ {
		tc.cores[i].Join(tc.now, tc.cores[i-1].Self())
		tc.flush(i)
	}
	require.True(t, tc.waitFor(30*time.Second, func() bool { return tc.everyLiveNodeSees(tc.all(), catalog.Alive) }))

	// Node 0 and its active neighbours on one side, the rest on the
	// other: node 0 has no neighbour across the cut.
	tc.side = make([]int, len(tc.cores))
	for i := range tc.side {
		tc.side[i] = 1
	}
	tc.side[0] = 0
	for _, p := range tc.cores[0].Active() {
		tc.side[tc.index[p.ID]] = 0
	}
	// Each side must declare the whole other side dead, the members
	// whose active neighbours were all on their own side included: only
	// the failed coordinate samples of this side get those probed.
	otherSideDead := func() bool {
		for i, c := range tc.cores {
			for j, other := range tc.cores {
				if r, ok := c.Member(other.Self().ID); tc.cut(i, j) && (!ok || r.Status != catalog.Dead) {
					return false
				}
			}
		}
		return true
	}
	require.True(t, tc.waitFor(2*time.Minute, otherSideDead), "each side holds the other dead")
	tc.run(time.Minute)

	tc.side = nil
	assert.True(t, tc.waitFor(3*time.Minute, func() bool { return tc.everyLiveNodeSees(tc.all(), catalog.Alive) }),
		"after the heal every catalog shows every node alive again")
}

func TestStepIgnoresBadInput(t *testing.T) {
	tc := newTestCluster(t, 1)
	c := tc.cores[0]
	c.Step(tc.now, overlay.Peer{ID: "x", Addr: "y"}, nil)
	c.Step(tc.now, overlay.Peer{ID: "x", Addr: "y"}, unknownMessage{})
	c.Step(tc.now, c.Self(), SyncRequest{})       // claims to be this node
	c.Step(tc.now, overlay.Peer{}, SyncRequest{}) // no identity
	assert.Equal(t, uint64(4), c.Stats().Ignored)
	assert.Empty(t, c.Ready().Messages)
}

type unknownMessage struct{}

func (unknownMessage) Protocol() overlay.Protocol { return 99 }
func (unknownMessage) Type() overlay.MsgType      { return 1 }
