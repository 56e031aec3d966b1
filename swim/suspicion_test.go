package swim

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

func TestSuspicionBounds(t *testing.T) {
	lo, hi := suspicionBounds(Config{}.withDefaults())
	assert.Equal(t, time.Second, lo, "the minimum has no log N factor")
	assert.Equal(t, 6*time.Second, hi)
	lo, hi = suspicionBounds(Config{SuspicionTimeout: 3 * time.Second, SuspicionMaxTimeoutMult: 2}.withDefaults())
	assert.Equal(t, 3*time.Second, lo)
	assert.Equal(t, 6*time.Second, hi)
}

func TestExpectedConfirmations(t *testing.T) {
	tests := []struct{ k, size, want int }{
		{2, 100, 2},
		{2, 4, 2}, // two others can confirm
		{2, 3, 0}, // only one other member: no confirmation to expect
		{2, 1, 0}, // size unknown
		{4, 100, 4},
		{4, 5, 0},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, expectedConfirmations(tc.k, tc.size), "k %d size %d", tc.k, tc.size)
	}
}

func TestSuspicionTimeoutFormula(t *testing.T) {
	lo, hi := 4*time.Second, 24*time.Second
	const k = 2
	// frac is log(C+1)/log(K+1), computed independently of the code.
	at := func(c int) time.Duration {
		frac := math.Log(float64(c+1)) / math.Log(k+1)
		return hi - time.Duration(frac*float64(hi-lo))
	}
	assert.Equal(t, hi, suspicionTimeout(0, k, lo, hi), "C=0: the maximum")
	assert.Equal(t, at(1), suspicionTimeout(1, k, lo, hi), "C=1")
	assert.Equal(t, lo, suspicionTimeout(k, k, lo, hi), "C=K: the minimum")
	assert.Equal(t, lo, suspicionTimeout(k+3, k, lo, hi), "beyond K: still the minimum")
	assert.Equal(t, lo, suspicionTimeout(0, 0, lo, hi), "K=0: the minimum from the start")
	for c := range k {
		assert.Greater(t, suspicionTimeout(c, k, lo, hi), suspicionTimeout(c+1, k, lo, hi), "shrinks with each confirmation")
	}
}

// TestSuspicionTimerShrinksWithConfirmations drives the node's own
// suspicion of a probe target and checks when the Dead verdict comes for 0,
// 1 and K confirmations from other nodes.
func TestSuspicionTimerShrinksWithConfirmations(t *testing.T) {
	const size = 100
	lo, hi := suspicionBounds(Config{}.withDefaults())
	k := expectedConfirmations(DefaultSuspicionConfirmations, size)
	require.Equal(t, 2, k)
	tests := []struct {
		name     string
		confirms []overlay.NodeID
		want     time.Duration // after the suspicion starts
	}{
		{"C=0", nil, suspicionTimeout(0, k, lo, hi)},
		{"C=1", []overlay.NodeID{"b"}, suspicionTimeout(1, k, lo, hi)},
		{"C=1 repeated by the same node", []overlay.NodeID{"b", "b"}, suspicionTimeout(1, k, lo, hi)},
		{"C=1 and this node's own echo", []overlay.NodeID{"b", "n0"}, suspicionTimeout(1, k, lo, hi)},
		{"C=K", []overlay.NodeID{"b", "c"}, lo},
		{"C>K", []overlay.NodeID{"b", "c", "d", "e"}, lo},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Local health off: the failed probe, with no helper to ask,
			// would otherwise make this node unhealthy.
			n := newTestNode(t, peers(1), func(c *Config) { c.MaxLocalHealth = 1 })
			n.SetClusterSize(size)
			startProbe(t, n, epoch)
			start := epoch.Add(verdictAfter)
			n.Tick(start)
			require.Len(t, broadcasts(n.Ready()), 1, "the suspicion")
			for _, from := range tc.confirms {
				n.Observe(start.Add(time.Second), Update{Member: peer(1), State: StateSuspect, From: from})
			}
			n.Tick(start.Add(tc.want - time.Millisecond))
			assert.Empty(t, deadOf(n.Ready()), "not before the timeout")
			n.Tick(start.Add(tc.want))
			assert.Equal(t, []Update{{Member: peer(1), State: StateDead, From: peer(0).ID}}, deadOf(n.Ready()))
		})
	}
}

func deadOf(rd Ready) []Update {
	var out []Update
	for _, u := range broadcasts(rd) {
		if u.State == StateDead {
			out = append(out, u)
		}
	}
	return out
}

// TestBystanderWaitsMaximumPlusMinimum checks that a node that never
// suspected the member itself waits the maximum and the minimum timeout,
// however many confirmations it saw, giving the suspecters time to
// broadcast their verdict first, and stretched by its local health.
func TestBystanderWaitsMaximumPlusMinimum(t *testing.T) {
	const size = 100
	lo, hi := suspicionBounds(Config{}.withDefaults())
	k := expectedConfirmations(DefaultSuspicionConfirmations, size)
	for _, health := range []int{0, 2} {
		for c := 0; c <= k; c++ {
			n := newTestNode(t, nil)
			n.SetClusterSize(size)
			n.health.score = health
			for i := range c + 1 {
				n.Observe(epoch, Update{Member: peer(5), State: StateSuspect, From: peer(10 + i).ID})
			}
			want := time.Duration(health+1) * (hi + lo)
			n.Tick(epoch.Add(want - time.Millisecond))
			assert.Empty(t, deadOf(n.Ready()), "health %d C=%d: not before", health, c)
			n.Tick(epoch.Add(want))
			assert.Len(t, deadOf(n.Ready()), 1, "health %d C=%d: at (max + min) × (health + 1)", health, c)
		}
	}
}

// suspectWithHelpers makes node 0 suspect peer 1 after a probe whose
// helpers, peers 2 and 3, all nack, so that its local health stays 0. It
// returns when the suspicion started.
func suspectWithHelpers(t *testing.T, n *Node) time.Time {
	t.Helper()
	ping, target := startProbe(t, n, epoch)
	require.Equal(t, peer(1), target)
	n.nextProbe = epoch.Add(time.Hour) // no later probe to fail and raise local health
	n.Tick(epoch.Add(DefaultProbeTimeout))
	reqs, helpers := ofType[PingReq](n.Ready())
	require.Len(t, reqs, 2)
	for _, h := range helpers {
		n.Step(epoch.Add(DefaultProbeTimeout+time.Millisecond), h, Nack{Seq: ping.Seq})
	}
	start := epoch.Add(2 * DefaultProbeTimeout)
	n.Tick(start)
	require.Len(t, broadcasts(n.Ready()), 1, "the suspicion")
	require.Zero(t, n.LocalHealth(), "every helper nacked")
	return start
}

// newSuspecter is node 0 probing peer 1 first, with peers 2 and 3 as
// helpers, in a cluster of 100 with K confirmations.
func newSuspecter(t *testing.T) *Node {
	n := newTestNode(t, peers(1, 2, 3))
	n.SetClusterSize(100)
	n.rotation.peers = peers(1, 2, 3) // probe order fixed: 1 first
	n.rotation.next = 0
	return n
}

// TestShortTimeoutOnlyForSilentSuspecter checks who may declare a
// confirmed suspicion at the minimum timeout: a suspecter that heard
// nothing from the member, after the minimum stretched by its local
// health; one that heard from the member waits max + min from then.
func TestShortTimeoutOnlyForSilentSuspecter(t *testing.T) {
	lo, hi := suspicionBounds(Config{}.withDefaults())
	tests := []struct {
		name  string
		act   func(n *Node, start time.Time)
		delay time.Duration
	}{
		{"healthy and silent", func(*Node, time.Time) {}, lo},
		{"unhealthy", func(n *Node, _ time.Time) { n.health.score = 1 }, 2 * lo},
		{"heard from the suspect", func(n *Node, start time.Time) { n.Heard(start.Add(100*time.Millisecond), peer(1).ID) }, 100*time.Millisecond + hi + lo},
		{"pinged by the suspect", func(n *Node, start time.Time) {
			n.Step(start.Add(100*time.Millisecond), peer(1), Ping{Seq: 9, Target: peer(0).ID})
		}, 100*time.Millisecond + hi + lo},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newSuspecter(t)
			start := suspectWithHelpers(t, n)
			for _, from := range []overlay.NodeID{"b", "c"} {
				n.Observe(start, Update{Member: peer(1), State: StateSuspect, From: from})
			}
			tc.act(n, start)
			n.Ready()
			n.Tick(start.Add(tc.delay - time.Millisecond))
			assert.Empty(t, deadOf(n.Ready()), "not before")
			n.Tick(start.Add(tc.delay))
			assert.Len(t, deadOf(n.Ready()), 1, "at %v", tc.delay)
		})
	}
}

// TestHeardBeforeSuspicionIsNoEvidence checks that only a message that
// arrived after the suspicion began defers the verdict.
func TestHeardBeforeSuspicionIsNoEvidence(t *testing.T) {
	n := newSuspecter(t)
	n.Heard(epoch.Add(-time.Second), peer(1).ID)
	start := suspectWithHelpers(t, n)
	for _, from := range []overlay.NodeID{"b", "c"} {
		n.Observe(start, Update{Member: peer(1), State: StateSuspect, From: from})
	}
	n.Tick(start.Add(DefaultSuspicionTimeout))
	assert.Len(t, deadOf(n.Ready()), 1)
}

func TestNewSuspicionAtHigherIncarnationRestartsTimer(t *testing.T) {
	n := newTestNode(t, nil)
	n.SetClusterSize(100)
	x := peer(5)
	n.Observe(epoch, Update{Member: x, Incarnation: 1, State: StateSuspect, From: "a"})
	n.Observe(epoch, Update{Member: x, Incarnation: 1, State: StateSuspect, From: "b"})
	later := epoch.Add(time.Minute)
	n.Observe(later, Update{Member: x, Incarnation: 2, State: StateSuspect, From: "c"})
	s := n.members[x.ID].suspicion
	assert.Equal(t, later, s.start)
	assert.Zero(t, s.confirmations, "confirmations of the older incarnation do not carry over")
	assert.Equal(t, []overlay.NodeID{x.ID}, n.suspected)
}

// TestAnsweredSuspicionWaitsFromLastAnswer checks that each answer restarts
// the wait of max + min, so that a member that keeps sending is not
// declared while its refutation is still on its way.
func TestAnsweredSuspicionWaitsFromLastAnswer(t *testing.T) {
	lo, hi := suspicionBounds(Config{}.withDefaults())
	n := newTestNode(t, nil)
	x := peer(5)
	n.Observe(epoch, Update{Member: x, State: StateSuspect, From: "a"})
	last := epoch.Add(4 * time.Second)
	for at := epoch.Add(time.Second); !at.After(last); at = at.Add(time.Second) {
		n.Observe(at, Update{Member: x, State: StateAlive, From: "b"})
	}
	n.Tick(last.Add(hi + lo - time.Millisecond))
	assert.Empty(t, deadOf(n.Ready()))
	n.Tick(last.Add(hi + lo))
	assert.Len(t, deadOf(n.Ready()), 1)
}
