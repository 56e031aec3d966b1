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
	tests := []struct {
		n     int
		scale float64 // max(1, log10 n)
	}{
		{0, 1}, {1, 1}, {5, 1}, {10, 1}, {100, 2}, {1000, 3}, {10000, 4},
		{20, math.Log10(20)},
	}
	for _, tc := range tests {
		lo, hi := suspicionBounds(DefaultSuspicionMult, DefaultSuspicionMaxTimeoutMult, tc.n, DefaultProbeInterval)
		want := time.Duration(DefaultSuspicionMult * tc.scale * float64(DefaultProbeInterval))
		assert.Equal(t, want, lo, "n=%d", tc.n)
		assert.Equal(t, DefaultSuspicionMaxTimeoutMult*want, hi, "n=%d", tc.n)
	}
}

func TestExpectedConfirmations(t *testing.T) {
	tests := []struct{ mult, size, want int }{
		{4, 100, 2},  // SuspicionMult − 2
		{4, 4, 2},    // two others can confirm
		{4, 3, 0},    // only one other member: no confirmation to expect
		{4, 1, 0},    // size unknown
		{6, 100, 4},  //
		{1, 100, 0},  // never negative
		{2, 1000, 0}, //
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, expectedConfirmations(tc.mult, tc.size), "mult %d size %d", tc.mult, tc.size)
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
	lo, hi := suspicionBounds(DefaultSuspicionMult, DefaultSuspicionMaxTimeoutMult, size, DefaultProbeInterval)
	k := expectedConfirmations(DefaultSuspicionMult, size)
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
			n := newTestNode(t, peers(1))
			n.SetClusterSize(size)
			startProbe(t, n, epoch)
			start := epoch.Add(DefaultProbeInterval)
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

// TestBystanderWaitsOneMinimumMore checks that a node that never suspected
// the member itself gives the suspecters one more minimum timeout to
// broadcast their verdict before it broadcasts its own.
func TestBystanderWaitsOneMinimumMore(t *testing.T) {
	const size = 100
	lo, hi := suspicionBounds(DefaultSuspicionMult, DefaultSuspicionMaxTimeoutMult, size, DefaultProbeInterval)
	k := expectedConfirmations(DefaultSuspicionMult, size)
	for c := 0; c <= k; c++ {
		n := newTestNode(t, nil)
		n.SetClusterSize(size)
		for i := range c + 1 {
			n.Observe(epoch, Update{Member: peer(5), State: StateSuspect, From: peer(10 + i).ID})
		}
		want := suspicionTimeout(c, k, lo, hi) + lo
		n.Tick(epoch.Add(want - time.Millisecond))
		assert.Empty(t, deadOf(n.Ready()), "C=%d: not before", c)
		n.Tick(epoch.Add(want))
		assert.Len(t, deadOf(n.Ready()), 1, "C=%d: at the timeout plus one minimum", c)
	}
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
