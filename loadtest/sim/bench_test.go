package sim

import (
	"testing"
	"time"

	"github.com/overlayd/overlayd/overlay/netem"
)

// relay forwards every message it receives to a random node, so the number
// of messages in flight stays constant.
type relay struct {
	id  int
	net *Network
}

func (r *relay) Deliver(_ int, msg any) {
	r.net.Send(r.id, r.net.Rand().IntN(r.net.Nodes()), msg, 100)
}
func (r *relay) SendFailed(int, any) {}
func (r *relay) ConnectionLost(int)  {}

// BenchmarkSendDeliver measures one message's full cost (Send, queueing,
// delivery) at 10,000 nodes with 100,000 messages in flight over the
// PlanetLab latency matrix. One op is one message, which is one event.
func BenchmarkSendDeliver(b *testing.B) {
	m, err := netem.PlanetLab490()
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name    string
		latency Latency
	}{
		{"matrix", MatrixLatency{M: m, SameHost: 50 * time.Microsecond}},
		{"uniform", Uniform{Min: time.Millisecond, Max: 300 * time.Millisecond}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			const size, inFlight = 10000, 100000
			n, err := New(Config{Seed: 1, Latency: bc.latency})
			if err != nil {
				b.Fatal(err)
			}
			for i := range size {
				n.Add(&relay{id: i, net: n})
			}
			for k := range inFlight {
				n.Send(k%size, n.Rand().IntN(size), k, 100)
			}
			b.ReportAllocs()
			for b.Loop() {
				if !n.Step() {
					b.Fatal("queue ran dry")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n.Stats().Delivered.Msgs), "ns/msg")
		})
	}
}
