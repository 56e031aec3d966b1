package sim

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flooder is a gossip-like node: it forwards every rumour it hears for the
// first time to a few random nodes, and writes every call it gets to a
// shared transcript.
type flooder struct {
	id     int
	net    *Network
	seen   map[int]bool
	fanout int
	out    *bytes.Buffer
}

func (f *flooder) Deliver(from int, msg any) {
	rumour := msg.(int)
	fmt.Fprintf(f.out, "%d deliver %d->%d r%d\n", since(f.net), from, f.id, rumour)
	f.spread(rumour)
}

func (f *flooder) SendFailed(to int, msg any) {
	fmt.Fprintf(f.out, "%d sendfailed %d->%d r%d\n", since(f.net), f.id, to, msg.(int))
}

func (f *flooder) ConnectionLost(peer int) {
	fmt.Fprintf(f.out, "%d connlost %d: %d\n", since(f.net), f.id, peer)
}

func (f *flooder) spread(rumour int) {
	if f.seen[rumour] {
		return
	}
	f.seen[rumour] = true
	rng := f.net.Rand()
	for range f.fanout {
		to := rng.IntN(f.net.Nodes())
		if to != f.id {
			f.net.Send(f.id, to, rumour, 64)
		}
	}
}

// floodTranscript runs 200 flooding nodes with random latency, loss,
// connections, a crash and a partition, and returns everything that happened.
func floodTranscript(t *testing.T, seed uint64) []byte {
	const size, rumours = 200, 20
	n, err := New(Config{
		Seed:             seed,
		Latency:          Uniform{Min: 5 * time.Millisecond, Max: 150 * time.Millisecond},
		Loss:             0.05,
		SendFailureDelay: 20 * time.Millisecond,
		CrashDetection:   100 * time.Millisecond,
	})
	require.NoError(t, err)
	var out bytes.Buffer
	nodes := make([]*flooder, size)
	for i := range nodes {
		nodes[i] = &flooder{id: i, net: n, seen: map[int]bool{}, fanout: 4, out: &out}
		n.Add(nodes[i])
	}
	for i := range size {
		n.Connect(i, n.Rand().IntN(size))
	}
	for r := range rumours {
		origin := n.Rand().IntN(size)
		n.After(time.Duration(r)*50*time.Millisecond, func() { nodes[origin].spread(r) })
	}
	n.After(300*time.Millisecond, func() { n.Crash(17) })
	n.After(600*time.Millisecond, func() { n.Partition([]int{1, 2, 3, 4, 5}) })
	n.After(800*time.Millisecond, n.Heal)
	_, idle := n.RunUntilIdle(1_000_000)
	require.True(t, idle)

	s := n.Stats()
	requireBalanced(t, s)
	for _, c := range []Counter{s.Delivered, s.DroppedLoss, s.DroppedPartition, s.SendFailed} {
		require.NotZero(t, c.Msgs, "the scenario exercises every outcome: %+v", s)
	}
	fmt.Fprintf(&out, "%+v\n", s)
	return out.Bytes()
}

func TestDeterminism(t *testing.T) {
	first := floodTranscript(t, 42)
	again := floodTranscript(t, 42)
	other := floodTranscript(t, 43)
	require.Equal(t, first, again, "same seed, same calls: identical transcript")
	assert.NotEqual(t, first, other, "another seed: another run")
	assert.Greater(t, bytes.Count(first, []byte("\n")), 10000, "the scenario is not trivial")
}
