package overlay

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func upTo(n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i)
	}
	return out
}

func TestQUICTwoNodesExchangeInOrder(t *testing.T) {
	n := newTestNet(t)
	a, b := n.node("alice"), n.node("bob")
	a.Keep(b.Self())
	const count = 200
	for i := range count {
		a.Send(b.Self(), quicSeq{Seq: uint64(i)})
		b.Send(a.Self(), quicSeq{Seq: uint64(i)})
	}
	eventually(t, func() bool { return len(b.receivedFrom("alice")) == count && len(a.receivedFrom("bob")) == count },
		"all messages arrive")
	assert.Equal(t, upTo(count), seqs(b.receivedFrom("alice")))
	assert.Equal(t, upTo(count), seqs(a.receivedFrom("bob")))
	b.mu.Lock()
	assert.Equal(t, a.Self(), b.received[0].From, "From carries the certificate's name and the advertised address")
	b.mu.Unlock()
	assert.Empty(t, a.failures())
	assert.Empty(t, b.failures())

	s := a.Stats()
	out := s.Traffic[TrafficKey{Protocol: wireTestProto, Type: 20, Direction: DirectionOut}]
	in := b.Stats().Traffic[TrafficKey{Protocol: wireTestProto, Type: 20, Direction: DirectionIn}]
	assert.Equal(t, uint64(count), out.Messages)
	assert.Equal(t, out, in, "what one side sends, the other receives, byte for byte")
	assert.Equal(t, 1, s.PeersKept)
}

// TestQUICClusterExchangesInOrderPerPeer runs nodes on loopback that keep
// their ring neighbours, as active views do, and send to them and to
// nodes they do not keep; every message arrives, in order per sender, and
// nobody is reported failed.
func TestQUICClusterExchangesInOrderPerPeer(t *testing.T) {
	tests := []struct {
		size int
		// strangers: each node also sends to one node it neither keeps
		// nor is kept by, over a short-lived connection.
		strangers bool
		// release: afterwards, the nodes release each other and wait for
		// their connections to close when idle, with a short IdleTimeout.
		// Fifty nodes dialing at once under the race detector on a
		// shared machine can go silent for longer than that, so they
		// keep the test default.
		release bool
	}{
		{size: 3, strangers: false, release: true},
		{size: 12, strangers: true, release: true},
		{size: 50},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d nodes", tt.size), func(t *testing.T) {
			testClusterExchange(t, tt.size, tt.strangers, tt.release)
		})
	}
}

func testClusterExchange(t *testing.T, size int, strangers, release bool) {
	n := newTestNet(t)
	nodes := make([]*testNode, size)
	for i := range nodes {
		nodes[i] = n.node(NodeID(fmt.Sprintf("node-%02d", i)), func(c *Config) {
			if release {
				c.IdleTimeout = 2 * time.Second
			}
		})
	}
	// Each node keeps the next on the ring and talks to the one before it
	// too, which keeps it.
	next := func(i int) int { return (i + 1) % size }
	neighbours := func(i int) []int { return []int{next(i), (i + size - 1) % size} }
	if size == 3 {
		neighbours = func(i int) []int { return []int{next(i), next(next(i))} }
	}
	const perNeighbour, perStranger = 20, 5
	want := map[[2]int]int{} // (from, to) -> messages sent
	send := func(i, j, count int) {
		for range count {
			nodes[i].Send(nodes[j].Self(), quicSeq{Seq: uint64(want[[2]int{i, j}])})
			want[[2]int{i, j}]++
		}
	}
	rng := rand.New(rand.NewPCG(1, uint64(size)))
	for i, node := range nodes {
		node.Keep(nodes[next(i)].Self())
		for _, j := range neighbours(i) {
			send(i, j, perNeighbour)
		}
		if strangers {
			send(i, (i+2+rng.IntN(size-3))%size, perStranger) // neither i-1, i nor i+1
		}
	}
	for pair, count := range want {
		from, to := nodes[pair[0]], nodes[pair[1]]
		if !assert.Eventually(t, func() bool { return len(to.receivedFrom(from.Self().ID)) == count }, 10*time.Second, 5*time.Millisecond) {
			t.Fatalf("%s receives %d messages from %s (got %d)\n%s\n%s\nsender %v %+v\nreceiver %v %+v", to.Self().ID, count, from.Self().ID, len(to.receivedFrom(from.Self().ID)), from.debugState(), to.debugState(), from.failures(), from.Stats(), to.failures(), to.Stats())
		}
		assert.Equal(t, upTo(count), seqs(to.receivedFrom(from.Self().ID)), "%s from %s", to.Self().ID, from.Self().ID)
	}
	for _, node := range nodes {
		assert.Empty(t, node.failures(), node.Self().ID)
		assert.Empty(t, node.Stats().Undeliverable, node.Self().ID)
	}
	if !strangers {
		for i, node := range nodes {
			eventually(t, func() bool { return node.Stats().ConnectionsOpen == len(neighbours(i)) },
				"%s settles on one connection per neighbour", node.Self().ID)
		}
	}
	if !release {
		return
	}
	// Released, the connections go idle and close, and that is no failure.
	for i, node := range nodes {
		node.Release(nodes[next(i)].Self().ID)
	}
	for _, node := range nodes {
		eventually(t, func() bool { return node.Stats().ConnectionsOpen == 0 }, "%s closes its idle connections", node.Self().ID)
		assert.Empty(t, node.failures(), node.Self().ID)
	}
}

func TestQUICSimultaneousDialsEndOnOneConnection(t *testing.T) {
	n := newTestNet(t)
	const pairs = 8
	for i := range pairs {
		a, b := n.node(NodeID(fmt.Sprintf("a%d", i))), n.node(NodeID(fmt.Sprintf("b%d", i)))
		// Both dial at once, then both send at once.
		a.Keep(b.Self())
		b.Keep(a.Self())
		for s := range 50 {
			a.Send(b.Self(), quicSeq{Seq: uint64(s)})
			b.Send(a.Self(), quicSeq{Seq: uint64(s)})
		}
		eventually(t, func() bool {
			return a.Stats().ConnectionsOpen == 1 && b.Stats().ConnectionsOpen == 1
		}, "pair %d settles on one connection", i)
		assert.Equal(t, uint64(1), a.Stats().Dials, "a dialed")
		assert.Equal(t, uint64(1), b.Stats().Dials, "b dialed")
		eventually(t, func() bool { return len(a.receivedFrom(b.Self().ID)) == 50 && len(b.receivedFrom(a.Self().ID)) == 50 },
			"pair %d delivers everything", i)
		assert.Equal(t, upTo(50), seqs(a.receivedFrom(b.Self().ID)), "in order across the switch")
		assert.Equal(t, upTo(50), seqs(b.receivedFrom(a.Self().ID)), "in order across the switch")

		// The surviving connection is the one both use: traffic after the
		// settling goes through without a new dial.
		a.Send(b.Self(), quicSeq{Seq: 50})
		b.Send(a.Self(), quicSeq{Seq: 50})
		eventually(t, func() bool { return len(a.receivedFrom(b.Self().ID)) == 51 && len(b.receivedFrom(a.Self().ID)) == 51 },
			"pair %d still talks", i)
		assert.Equal(t, uint64(1), a.Stats().Dials+b.Stats().Dials-1, "no redial")
		assert.Empty(t, a.failures())
		assert.Empty(t, b.failures())
	}
}

func TestQUICKilledPeerIsReportedFailed(t *testing.T) {
	n := newTestNet(t)
	// b gives up dialing sooner, for the redial below.
	victim, b, c := n.node("victim"), n.node("b", func(c *Config) { c.HandshakeTimeout = 2 * time.Second }), n.node("c")
	b.Keep(victim.Self())
	victim.Keep(c.Self())
	c.Keep(victim.Self())
	b.Send(victim.Self(), quicSeq{})
	victim.Send(c.Self(), quicSeq{})
	eventually(t, func() bool {
		return len(victim.receivedFrom("b")) == 1 && len(c.receivedFrom("victim")) == 1
	}, "connections up")

	expired, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, victim.close(t, expired), context.Canceled, "Close without flushing says so")

	for _, neighbour := range []*testNode{b, c} {
		// c may also see its own dial, still out when the victim died,
		// fail after the connection it held in reserve is lost.
		eventually(t, func() bool { return len(neighbour.failures()) >= 1 }, "%s sees the victim fail", neighbour.Self().ID)
		f := neighbour.failures()[0]
		assert.Equal(t, NodeID("victim"), f.ID)
		// Not assert.ErrorIs, whose message for a quic-go error chain
		// holding a nil panics.
		assert.Truef(t, errors.Is(f.Err, ErrConnectionLost), "%s: %v", neighbour.Self().ID, f.Err)
	}
	// The next message to the dead peer dials again, fails, and is counted.
	b.Send(victim.Self(), quicSeq{Seq: 1})
	eventually(t, func() bool { return len(b.failures()) == 2 }, "the redial fails")
	assert.Truef(t, errors.Is(b.failures()[1].Err, ErrDialFailed), "%v", b.failures()[1].Err)
	assert.Equal(t, uint64(1), b.Stats().Undeliverable[PriorityPayload])
}

func TestQUICDatagramsAndTheirFallback(t *testing.T) {
	n := newTestNet(t)
	a, b := n.node("a"), n.node("b")
	a.Keep(b.Self())
	a.Send(b.Self(), quicSeq{Seq: 0}) // up and running before the probes
	eventually(t, func() bool { return len(b.receivedFrom("a")) == 1 }, "connection up")

	const probes = 20
	for i := range probes {
		a.Send(b.Self(), quicProbe{Seq: uint64(i)})
	}
	big := quicProbe{Seq: probes, Pad: make([]byte, 4000)} // larger than any QUIC packet
	a.Send(b.Self(), big)
	// Loopback loses nothing, so every datagram arrives.
	eventually(t, func() bool { return len(b.receivedFrom("a")) == 1+probes+1 }, "every probe arrives")
	s := a.Stats()
	assert.Equal(t, uint64(probes), s.DatagramsSent)
	assert.Equal(t, uint64(1), s.DatagramFallbacks)
	assert.Contains(t, b.receivedFrom("a"), Message(big), "the oversize probe went on the stream")
}

func TestQUICCloseFlushesQueuedMessages(t *testing.T) {
	n := newTestNet(t)
	a, b := n.node("a"), n.node("b")
	// Close flushes over established connections; it does not wait for
	// dials (a peer that is gone would hold it for the handshake timeout).
	a.Send(b.Self(), quicSeq{Seq: 0, Pad: make([]byte, 200)})
	eventually(t, func() bool { return len(b.receivedFrom("a")) == 1 }, "connected")
	const count = 500
	for i := 1; i < count; i++ {
		a.Send(b.Self(), quicSeq{Seq: uint64(i), Pad: make([]byte, 200)})
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, a.close(t, ctx), "queued messages flushed within the deadline")
	eventually(t, func() bool { return len(b.receivedFrom("a")) == count }, "everything queued before Close arrives")
	assert.Equal(t, upTo(count), seqs(b.receivedFrom("a")))
	eventually(t, func() bool { return b.Stats().ConnectionsOpen == 0 }, "b's side closes too")
	assert.Empty(t, b.failures(), "b did not keep a, and lost nothing")
	a.Send(b.Self(), quicSeq{})
	assert.Equal(t, uint64(1), a.Stats().Undeliverable[PriorityPayload], "a Send after Close is dropped and counted")
	require.ErrorIs(t, a.Close(ctx), ErrTransportClosed)
}

func TestQUICKeptConnectionOutlivesIdleTimeout(t *testing.T) {
	n := newTestNet(t)
	short := func(c *Config) { c.IdleTimeout = time.Second }
	a, b, c, d := n.node("a", short), n.node("b", short), n.node("c", short), n.node("d", short)
	a.Keep(b.Self())
	a.Send(b.Self(), quicSeq{})
	c.Send(d.Self(), quicSeq{}) // not kept
	eventually(t, func() bool { return len(b.receivedFrom("a")) == 1 && len(d.receivedFrom("c")) == 1 }, "both connections up")
	eventually(t, func() bool { return c.Stats().ConnectionsOpen == 0 && d.Stats().ConnectionsOpen == 0 },
		"the connection nobody keeps closes when idle")
	assert.Equal(t, 1, a.Stats().ConnectionsOpen, "the kept connection, as idle as the other, stays")
	assert.Equal(t, 1, a.Stats().PeersConnected)
	assert.Empty(t, a.failures())
	assert.Empty(t, b.failures())
	assert.Empty(t, c.failures(), "an idle close is no failure")
}

func TestQUICSendToUnknownAddressFails(t *testing.T) {
	n := newTestNet(t)
	a := n.node("a")
	a.Send(Peer{ID: "nowhere"}, quicSeq{})
	eventually(t, func() bool { return len(a.failures()) == 1 }, "failure reported")
	assert.ErrorIs(t, a.failures()[0].Err, ErrNoAddress)
	a.Send(a.Self(), quicSeq{})
	a.Send(Peer{ID: "x", Addr: "127.0.0.1:1"}, wireUnregistered{})
	s := a.Stats()
	assert.Equal(t, uint64(2), s.Undeliverable[PriorityPayload], "to nowhere, and to self")
	assert.Equal(t, uint64(1), s.EncodeErrors)
}

func TestQUICMaxConnections(t *testing.T) {
	n := newTestNet(t)
	hub := n.node("hub", func(c *Config) { c.MaxConnections = 1 })
	a, b := n.node("a"), n.node("b")
	a.Send(hub.Self(), quicSeq{})
	eventually(t, func() bool { return len(hub.receivedFrom("a")) == 1 }, "first connection accepted")
	b.Send(hub.Self(), quicSeq{})
	eventually(t, func() bool { return len(b.failures()) == 1 }, "second refused")
	// A client's Initial packets may each be refused, so one attempt can
	// count more than once.
	assert.NotZero(t, hub.Stats().Refused[RefusedTooManyConnections])
	assert.ErrorIs(t, b.failures()[0].Err, ErrDialFailed)

	hub.Send(b.Self(), quicSeq{})
	eventually(t, func() bool { return len(hub.failures()) == 1 }, "no slot to dial either")
	assert.ErrorIs(t, hub.failures()[0].Err, ErrTooManyConnections)
}
