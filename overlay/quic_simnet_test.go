package overlay

import (
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go/testutils/simnet"

	"github.com/overlayd/overlayd/overlay/netem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// simNetwork is an emulated network whose one-way delay between two hosts
// is half their RTT.
type simNetwork struct {
	net   *simnet.Simnet
	hosts map[string]int // address -> host index
	rtt   func(i, j int) time.Duration
}

// newSimNetwork makes an emulated network; it is closed after the test's
// transports, whose cleanup is registered later and so runs first.
func newSimNetwork(tb testing.TB, rtt func(i, j int) time.Duration) *simNetwork {
	sn := &simNetwork{net: &simnet.Simnet{Router: &simnet.PerfectRouter{}}, hosts: map[string]int{}, rtt: rtt}
	tb.Cleanup(func() { require.NoError(tb, sn.net.Close()) })
	return sn
}

// endpoint adds host i to the network, at an address in 127.0.0.0/8 that
// nothing outside the emulation ever sees.
func (sn *simNetwork) endpoint(i int) net.PacketConn {
	addr := &net.UDPAddr{IP: net.IPv4(127, 100, byte(i>>8), byte(i)), Port: 7946}
	sn.hosts[addr.String()] = i
	return sn.net.NewEndpoint(addr, simnet.NodeBiDiLinkSettings{
		LatencyFunc: func(p simnet.Packet) time.Duration {
			return sn.rtt(sn.hosts[p.From.String()], i) / 2
		},
	})
}

// TestQUICOverPlanetLabLatencies runs transports over an emulated network
// with the RTTs of PlanetLab hosts and measures each pair's round trip as
// a request and its response: it matches the matrix, so QUIC over simnet
// emulates the WAN faithfully, and adds nothing worth counting itself.
func TestQUICOverPlanetLabLatencies(t *testing.T) {
	matrix, err := netem.PlanetLab490()
	require.NoError(t, err)
	// Ten hosts, every pair measured and at least 40 ms apart, so that
	// the millisecond or so the test itself adds to a round trip (under
	// the race detector) stays a few percent at most.
	var hosts []int
	for h := range matrix.Hosts() {
		ok := true
		for _, o := range hosts {
			if rtt, _ := matrix.RTT(h, o); rtt < 40*time.Millisecond {
				ok = false
			}
		}
		if ok {
			hosts = append(hosts, h)
		}
		if len(hosts) == 10 {
			break
		}
	}
	require.Len(t, hosts, 10)
	sn := newSimNetwork(t, func(i, j int) time.Duration { return matrix.RTTOrMedian(hosts[i], hosts[j]) })
	conns := make([]net.PacketConn, len(hosts))
	for i := range hosts {
		conns[i] = sn.endpoint(i)
	}
	require.NoError(t, sn.net.Start())
	n := newTestNet(t)

	var mu sync.Mutex
	arrived := map[uint64]time.Time{} // replies by Seq
	nodes := make([]*testNode, len(hosts))
	for i := range hosts {
		cfg := n.config(NodeID(fmt.Sprintf("pl-%d", hosts[i])))
		nodes[i] = n.nodeOn(conns[i], cfg, func(self *testNode, r Received) {
			m := r.Msg.(quicSeq)
			if m.Prio == 0 { // a request: answer it
				self.Send(r.From, quicSeq{Seq: m.Seq, Prio: uint8(PriorityMembership)})
				return
			}
			mu.Lock()
			arrived[m.Seq] = time.Now()
			mu.Unlock()
		})
	}
	roundTrip := func(from, to *testNode, seq uint64) time.Duration {
		start := time.Now()
		from.Send(to.Self(), quicSeq{Seq: seq})
		var at time.Time
		eventually(t, func() bool {
			mu.Lock()
			defer mu.Unlock()
			var ok bool
			at, ok = arrived[seq]
			return ok
		}, "reply %d", seq)
		return at.Sub(start)
	}

	type pair struct{ a, b int }
	var pairs []pair
	for i := range hosts {
		pairs = append(pairs, pair{i, (i + 1) % len(hosts)}, pair{i, (i + 4) % len(hosts)})
	}
	var errs []float64
	var wg sync.WaitGroup
	var errsMu sync.Mutex
	for k, p := range pairs {
		wg.Go(func() {
			a, b := nodes[p.a], nodes[p.b]
			a.Keep(b.Self())
			roundTrip(a, b, uint64(k)<<8) // connects
			best := time.Duration(1 << 62)
			for s := range 5 {
				best = min(best, roundTrip(a, b, uint64(k)<<8|uint64(s+1)))
			}
			want := sn.rtt(p.a, p.b)
			rel := float64(best-want) / float64(want)
			t.Logf("%s -> %s: matrix %v, measured %v (%+.2f%%)", a.Self().ID, b.Self().ID, want, best, 100*rel)
			errsMu.Lock()
			errs = append(errs, rel)
			errsMu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(errs)
	median := errs[len(errs)/2]
	t.Logf("%d pairs: relative error of the best of 5 round trips: median %+.2f%%, worst %+.2f%%",
		len(errs), 100*median, 100*errs[len(errs)-1])
	assert.GreaterOrEqual(t, errs[0], -0.01, "no round trip beats the emulated latency")
	// Single pairs can be off by more when the machine is busy: a round
	// trip crosses a dozen goroutines, each of which may wait for a core.
	assert.Less(t, median, 0.03, "the median pair is within 3% of the matrix")
	for _, node := range nodes {
		assert.Empty(t, node.failures())
	}
}

// TestQUICQueueOverflowDropsLowestPriorityFirst queues more messages than
// fit while the dial to a distant peer is still out: the lowest priority
// goes first, oldest first within a priority, and once connected the rest
// leave highest priority first.
func TestQUICQueueOverflowDropsLowestPriorityFirst(t *testing.T) {
	sn := newSimNetwork(t, func(i, j int) time.Duration { return 200 * time.Millisecond })
	ca, cb := sn.endpoint(0), sn.endpoint(1)
	require.NoError(t, sn.net.Start())
	n := newTestNet(t)
	cfg := n.config("a")
	cfg.MaxQueueMessages = 6
	a := n.nodeOn(ca, cfg, nil)
	b := n.nodeOn(cb, n.config("b"), nil)

	var seq uint64
	send := func(p Priority, count int) {
		for range count {
			a.Send(b.Self(), quicSeq{Seq: seq, Prio: uint8(p)})
			seq++
		}
	}
	// All of this happens within the 400 ms that the handshake takes.
	send(PriorityLazy, 6)       // 0-5: all dropped
	send(PriorityPayload, 6)    // 6-11: 6, 7, 8 dropped
	send(PriorityMembership, 3) // 12-14
	assert.Equal(t, map[Priority]uint64{PriorityLazy: 6, PriorityPayload: 3}, a.Stats().QueueDrops)
	assert.Equal(t, uint64(1), a.Stats().Dials, "still dialing")

	eventually(t, func() bool { return len(b.receivedFrom("a")) == 6 }, "what is left arrives")
	assert.Equal(t, []uint64{12, 13, 14, 9, 10, 11}, seqs(b.receivedFrom("a")))
}
