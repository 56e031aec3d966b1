package sim

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seqHandler records, per sender, the sequence numbers it receives.
type seqHandler struct {
	got map[int][]int
	net *Network
}

func (h *seqHandler) Deliver(from int, msg any) {
	h.got[from] = append(h.got[from], msg.(int))
}
func (h *seqHandler) SendFailed(int, any) {}
func (h *seqHandler) ConnectionLost(int)  {}

// shrinking is a latency model that makes every message faster than the one
// before it, so that without the network's help each would overtake its
// predecessor.
type shrinking struct{ next time.Duration }

func (s *shrinking) OneWay(int, int, *rand.Rand) time.Duration {
	s.next -= time.Microsecond
	return s.next
}

// TestFIFOPerLink sends numbered messages on several links, in bursts and
// spread out, with latencies that vary between messages, and checks that
// each link delivers in sending order.
func TestFIFOPerLink(t *testing.T) {
	uniform := Uniform{Min: time.Millisecond, Max: 100 * time.Millisecond}
	tests := []struct {
		name    string
		latency Latency
		gap     time.Duration // between successive sends on a link
		pruneAt int           // smallest link table that is pruned; 0: the default
	}{
		{"uniform, burst at one instant", uniform, 0, 0},
		{"uniform, spread below the latency spread", uniform, 3 * time.Millisecond, 0},
		{"uniform, link table pruned all the time", uniform, 3 * time.Millisecond, 2},
		{"every message faster than the last", &shrinking{next: time.Second}, time.Microsecond, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const senders, perLink = 4, 500
			n, err := New(Config{Seed: 3, Latency: tt.latency})
			require.NoError(t, err)
			if tt.pruneAt > 0 {
				n.linkTailPrune, n.linkTailFloor = tt.pruneAt, tt.pruneAt
			}
			dst := &seqHandler{got: map[int][]int{}, net: n}
			for range senders {
				n.Add(dst)
			}
			sink := n.Add(dst)
			for k := range perLink {
				n.After(time.Duration(k)*tt.gap, func() {
					for s := range senders {
						n.Send(s, sink, k, 10)
					}
					require.LessOrEqual(t, len(n.linkTail), max(2*senders, n.linkTailPrune), "pruning bounds the table")
				})
			}
			n.RunUntilIdle(0)

			for s := range senders {
				require.Len(t, dst.got[s], perLink)
				for k, seq := range dst.got[s] {
					require.Equal(t, k, seq, "link %d->%d delivered out of order", s, sink)
				}
			}
			requireBalanced(t, n.Stats())
			assert.Equal(t, uint64(senders*perLink*10), n.Stats().Delivered.Bytes)
		})
	}
}

// TestLossRate sends many messages and checks that the fraction lost is
// within five standard deviations of the configured rate.
func TestLossRate(t *testing.T) {
	for _, loss := range []float64{0, 0.01, 0.1, 0.5, 1} {
		const msgs = 20000
		n, err := New(Config{Seed: 11, Loss: loss})
		require.NoError(t, err)
		dst := &seqHandler{got: map[int][]int{}, net: n}
		n.Add(dst)
		n.Add(dst)
		for k := range msgs {
			n.Send(0, 1, k, 1)
		}
		n.RunUntilIdle(0)

		s := n.Stats()
		requireBalanced(t, s)
		tolerance := 5 * math.Sqrt(loss*(1-loss)/msgs)
		assert.InDelta(t, loss, float64(s.DroppedLoss.Msgs)/msgs, tolerance, "loss %v", loss)
		assert.Equal(t, uint64(msgs), s.DroppedLoss.Msgs+s.Delivered.Msgs)
		assert.Equal(t, s.Delivered.Msgs, s.PerNodeDelivered[1].Msgs)
		assert.Equal(t, uint64(msgs), s.PerNodeSent[0].Msgs)
	}
}

func TestDeliveryTakesTheModelledLatency(t *testing.T) {
	n, log := newRecorded(t, Config{Latency: Constant(42 * time.Millisecond)}, 2)
	n.After(time.Second, func() { n.Send(0, 1, "hello", 5) })
	n.RunUntilIdle(0)
	require.Equal(t, []string{"1.042s deliver 0->1 hello"}, *log)
}
