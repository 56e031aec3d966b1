package plumtree

import (
	"testing"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/stretchr/testify/assert"
)

// swapAt is a link swap observed after an input: a zero-ID GRAFT to the
// announcer and a PRUNE to the eager sender.
type swapAt struct {
	at            time.Duration
	graft, pruned overlay.NodeID
}

const ms = time.Millisecond

func gossip(from overlay.NodeID, seq uint64, round int) func(*Node, time.Time) {
	return func(n *Node, now time.Time) { n.Step(now, peer(from), Gossip{ID: mid(seq), Round: round}) }
}

func ihave(from overlay.NodeID, seq uint64, round int, waited time.Duration) func(*Node, time.Time) {
	return func(n *Node, now time.Time) {
		n.Step(now, peer(from), IHave{Entries: []IHaveEntry{{ID: mid(seq), Round: round, Waited: waited}}})
	}
}

func rtts(m map[overlay.NodeID]time.Duration) func(overlay.NodeID) (time.Duration, bool) {
	return func(id overlay.NodeID) (time.Duration, bool) {
		d, ok := m[id]
		return d, ok
	}
}

// TestOptimization runs on a node with eager neighbours a and b and lazy
// neighbours c and d. Messages arrive from a by GOSSIP and are announced
// by c (and d).
//
// These cases swap on one message, the paper's rule (OptimizationEvidence
// 1); TestOptimizationEvidence covers the streak that the default requires.
func TestOptimization(t *testing.T) {
	hopsOnly := func(c *Config) { c.OptimizationEvidence = 1 }
	latency := func(c *Config) {
		c.OptimizationEvidence = 1
		c.OptimizationThreshold = -1
		c.LatencyOptimization = true
	}
	withRTT := func(m map[overlay.NodeID]time.Duration) func(*Config) {
		return func(c *Config) {
			latency(c)
			c.EstimateRTT = rtts(m)
		}
	}
	fastC := map[overlay.NodeID]time.Duration{"a": 100 * ms, "b": 100 * ms, "c": 20 * ms}
	slowC := map[overlay.NodeID]time.Duration{"a": 20 * ms, "b": 20 * ms, "c": 100 * ms}
	tests := []struct {
		name      string
		config    func(*Config)
		inputs    []timedInput
		want      []swapAt
		wantHop   uint64
		wantLat   uint64
		wantEager []overlay.NodeID
	}{
		// The paper's hop-count rule (threshold 7).
		{
			name:   "hops: IHAVE after GOSSIP, 7 hops shorter, swaps",
			config: hopsOnly,
			inputs: []timedInput{{0, gossip("a", 1, 10)}, {ms, ihave("c", 1, 3, 0)}},
			want:   []swapAt{{ms, "c", "a"}}, wantHop: 1, wantEager: []overlay.NodeID{"b", "c"},
		},
		{
			name:      "hops: 6 hops shorter is below the threshold",
			config:    hopsOnly,
			inputs:    []timedInput{{0, gossip("a", 1, 10)}, {ms, ihave("c", 1, 4, 0)}},
			wantEager: []overlay.NodeID{"a", "b"},
		},
		{
			name:   "hops: IHAVE before GOSSIP swaps when the GOSSIP arrives, choosing the fewest hops",
			config: hopsOnly,
			inputs: []timedInput{{0, ihave("d", 1, 3, 0)}, {0, ihave("c", 1, 2, 0)}, {10 * ms, gossip("a", 1, 10)}},
			want:   []swapAt{{10 * ms, "c", "a"}}, wantHop: 1, wantEager: []overlay.NodeID{"b", "c"},
		},
		{
			name:   "hops: a message we grafted for is not used",
			config: hopsOnly,
			inputs: []timedInput{
				{0, ihave("c", 1, 1, 0)}, {DefaultGraftTimeout, tick}, // GRAFT c
				{DefaultGraftTimeout + ms, gossip("a", 1, 10)},
				{DefaultGraftTimeout + 2*ms, ihave("d", 1, 1, 0)},
			},
			wantEager: []overlay.NodeID{"a", "b", "c"},
		},
		{
			name:      "hops: a message from a non-neighbour is not used",
			config:    hopsOnly,
			inputs:    []timedInput{{0, gossip("stranger", 1, 10)}, {ms, ihave("c", 1, 1, 0)}},
			wantEager: []overlay.NodeID{"a", "b"},
		},
		{
			name:      "hops: an announcer that is already eager is not swapped in",
			config:    hopsOnly,
			inputs:    []timedInput{{0, gossip("a", 1, 10)}, {ms, ihave("b", 1, 1, 0)}},
			wantEager: []overlay.NodeID{"a", "b"},
		},
		{
			name:      "hops: the rule can be disabled",
			config:    func(c *Config) { c.OptimizationThreshold = -1 },
			inputs:    []timedInput{{0, gossip("a", 1, 10)}, {ms, ihave("c", 1, 1, 0)}},
			wantEager: []overlay.NodeID{"a", "b"},
		},
		{
			name:   "hops: own broadcasts are not used",
			config: hopsOnly,
			inputs: []timedInput{
				{0, func(n *Node, now time.Time) {
					id := n.Broadcast(now, nil)
					n.Step(now, peer("c"), IHave{Entries: []IHaveEntry{{ID: id, Round: 1}}})
				}},
			},
			wantEager: []overlay.NodeID{"a", "b"},
		},
		// The measured latency rule (margin 20ms), equal rounds.
		{
			name:   "latency: IHAVE after GOSSIP that could have arrived 40ms earlier swaps",
			config: latency,
			inputs: []timedInput{{0, gossip("a", 1, 2)}, {10 * ms, ihave("c", 1, 2, 50*ms)}},
			want:   []swapAt{{10 * ms, "c", "a"}}, wantLat: 1, wantEager: []overlay.NodeID{"b", "c"},
		},
		{
			name:      "latency: an advantage of exactly the margin does not swap",
			config:    latency,
			inputs:    []timedInput{{0, gossip("a", 1, 2)}, {10 * ms, ihave("c", 1, 2, 30*ms)}},
			wantEager: []overlay.NodeID{"a", "b"},
		},
		{
			name:   "latency: GOSSIP 30ms after the IHAVE swaps",
			config: latency,
			inputs: []timedInput{{0, ihave("c", 1, 2, 0)}, {30 * ms, gossip("a", 1, 2)}},
			want:   []swapAt{{30 * ms, "c", "a"}}, wantLat: 1, wantEager: []overlay.NodeID{"b", "c"},
		},
		{
			name:      "latency: GOSSIP 10ms after the IHAVE is within the margin",
			config:    latency,
			inputs:    []timedInput{{0, ihave("c", 1, 2, 0)}, {10 * ms, gossip("a", 1, 2)}},
			wantEager: []overlay.NodeID{"a", "b"},
		},
		{
			name:      "latency: off by default",
			config:    func(c *Config) { c.OptimizationThreshold = -1 },
			inputs:    []timedInput{{0, ihave("c", 1, 2, 0)}, {time.Second / 4, gossip("a", 1, 2)}},
			wantEager: []overlay.NodeID{"a", "b"},
		},
		// The estimated latency rule.
		{
			name:   "rtt: an announcer that was first and is 40ms closer one way swaps",
			config: withRTT(fastC),
			inputs: []timedInput{{0, ihave("c", 1, 2, 0)}, {ms, gossip("a", 1, 2)}},
			want:   []swapAt{{ms, "c", "a"}}, wantLat: 1, wantEager: []overlay.NodeID{"b", "c"},
		},
		{
			name:      "rtt: a closer announcer that was behind does not swap",
			config:    withRTT(fastC),
			inputs:    []timedInput{{0, gossip("a", 1, 2)}, {10 * ms, ihave("c", 1, 2, 0)}},
			wantEager: []overlay.NodeID{"a", "b"},
		},
		{
			name:      "rtt: estimates override a measured advantage",
			config:    withRTT(slowC),
			inputs:    []timedInput{{0, ihave("c", 1, 2, 0)}, {100 * ms, gossip("a", 1, 2)}},
			wantEager: []overlay.NodeID{"a", "b"},
		},
		{
			name:   "rtt: without an estimate for the announcer the measured rule applies",
			config: withRTT(map[overlay.NodeID]time.Duration{"a": 20 * ms}),
			inputs: []timedInput{{0, ihave("c", 1, 2, 0)}, {30 * ms, gossip("a", 1, 2)}},
			want:   []swapAt{{30 * ms, "c", "a"}}, wantLat: 1, wantEager: []overlay.NodeID{"b", "c"},
		},
		// Back-off (cooldown 5s, doubling). Each message makes the lazy
		// announcer look 7 hops closer, so the link flips every time it may.
		{
			name:   "back-off: swaps are spaced by 5s, then 10s",
			config: hopsOnly,
			inputs: []timedInput{
				{0, gossip("a", 1, 10)}, {0, ihave("c", 1, 3, 0)}, // swap 1: c in, a out
				{time.Second, gossip("c", 2, 10)}, {time.Second, ihave("a", 2, 3, 0)}, // within 5s
				{5 * time.Second, gossip("c", 3, 10)}, {5 * time.Second, ihave("a", 3, 3, 0)}, // swap 2
				{14 * time.Second, gossip("a", 4, 10)}, {14 * time.Second, ihave("c", 4, 3, 0)}, // within 10s
				{15 * time.Second, gossip("a", 5, 10)}, {15 * time.Second, ihave("c", 5, 3, 0)}, // swap 3
			},
			want: []swapAt{
				{0, "c", "a"}, {5 * time.Second, "a", "c"}, {15 * time.Second, "c", "a"},
			},
			wantHop: 3, wantEager: []overlay.NodeID{"b", "c"},
		},
		{
			name:   "back-off: a new neighbour resets it",
			config: hopsOnly,
			inputs: []timedInput{
				{0, gossip("a", 1, 10)}, {0, ihave("c", 1, 3, 0)},
				{time.Second, func(n *Node, now time.Time) { n.NeighborUp(now, peer("e")) }},
				{time.Second, gossip("c", 2, 10)}, {time.Second, ihave("a", 2, 3, 0)},
			},
			want:    []swapAt{{0, "c", "a"}, {time.Second, "a", "c"}},
			wantHop: 2, wantEager: []overlay.NodeID{"a", "b", "e"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t, tt.config, []overlay.NodeID{"a", "b"}, []overlay.NodeID{"c", "d"})
			var got []swapAt
			for _, in := range tt.inputs {
				in.do(n, t0.Add(in.at))
				requireInvariants(t, n)
				rd := n.Ready()
				graftTo, grafts := messagesOf[Graft](rd)
				pruneTo, _ := messagesOf[Prune](rd)
				var linkGrafts []overlay.NodeID
				for i, g := range grafts {
					if g.ID.IsZero() {
						linkGrafts = append(linkGrafts, graftTo[i])
					}
				}
				if len(linkGrafts) == 0 && len(pruneTo) == 0 {
					continue
				}
				assert.Len(t, linkGrafts, 1, "one zero-ID GRAFT per swap")
				assert.Len(t, pruneTo, 1, "one PRUNE per swap")
				got = append(got, swapAt{in.at, linkGrafts[0], pruneTo[0]})
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantEager, idsOf(n.Eager()))
			st := n.Stats()
			assert.Equal(t, tt.wantHop, st.HopOptimizations)
			assert.Equal(t, tt.wantLat, st.LatencyOptimizations)
		})
	}
}

func TestOptimizerBackoffIsCapped(t *testing.T) {
	var o optimizer
	for range 200 {
		o.record(t0, time.Hour)
	}
	assert.Equal(t, t0.Add(maxCooldown), o.next)
	o.reset()
	assert.True(t, o.allowed(t0))
}

// TestOptimizationEvidence checks that, by default, a lazy peer must offer
// the shorter path on three consecutive messages arriving through one eager
// sender before the links swap, and that evidence about another sender, or
// against the peer, starts the count again.
func TestOptimizationEvidence(t *testing.T) {
	// message is one arrival: the eager sender and c's announced round
	// (the GOSSIP always carries round 9).
	type message struct {
		sender overlay.NodeID
		ann    int
	}
	tests := []struct {
		name       string
		messages   []message
		wantSwapAt int // index of the message that triggers the swap; -1 for none
	}{
		{"three through one sender", []message{{"a", 1}, {"a", 1}, {"a", 1}}, 2},
		{"senders alternate", []message{{"a", 1}, {"b", 1}, {"a", 1}, {"b", 1}, {"a", 1}}, -1},
		{"evidence against restarts", []message{{"a", 1}, {"a", 1}, {"a", 9}, {"a", 1}, {"a", 1}, {"a", 1}}, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, nil, []overlay.NodeID{"a", "b"}, []overlay.NodeID{"c", "d"})
			n.Ready()
			got := -1
			for i, m := range tc.messages {
				now := t0.Add(time.Duration(i) * time.Minute) // past every cooldown
				n.Step(now, peer("c"), IHave{Entries: []IHaveEntry{{ID: mid(uint64(i + 1)), Round: m.ann}}})
				n.Step(now, peer(m.sender), Gossip{ID: mid(uint64(i + 1)), Round: 9})
				for _, o := range n.Ready().Messages {
					if _, ok := o.Msg.(Prune); ok && o.To.ID == m.sender && got < 0 {
						got = i
					}
				}
			}
			assert.Equal(t, tc.wantSwapAt, got)
		})
	}
}
