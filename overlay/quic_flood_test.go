package overlay

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/overlayd/overlayd/overlay/floodtest"
)

// TestQUICServesPeersThroughAFlood fires garbage datagrams and half-open
// QUIC handshakes at one transport, 10,000 a second for 2 s, while it
// exchanges messages with a peer whose connection was up before. Both
// must keep hearing each other during the flood, and the transport must
// count what it dropped and refused, and hold no more connections than
// its bounds allow. The flood comes from one address; in the first case
// that address's share of connections is what stops it, in the second
// (a share too large to matter, as for a flood from many addresses) the
// handshake rate is.
func TestQUICServesPeersThroughAFlood(t *testing.T) {
	const perSecond, duration = 10_000, 2 * time.Second
	t.Run("one address's share", func(t *testing.T) {
		const share = 32
		s, _ := floodWhileExchanging(t, perSecond, duration, func(c *Config) { c.MaxConnectionsPerAddress = share })
		assert.NotZero(t, s.Refused[RefusedTooManyFromAddress], "half-open handshakes beyond the share are refused")
		assert.LessOrEqual(t, s.ConnectionsOpen, share+1, "the flood holds its address's share, besides the peer's connection")
		assert.Positive(t, s.RefusalsUnreported)
	})
	t.Run("handshake rate", func(t *testing.T) {
		const rate = 100
		s, elapsed := floodWhileExchanging(t, perSecond, duration, func(c *Config) {
			c.MaxConnectionsPerAddress = 1 << 20
			c.MaxHandshakesPerSecond = rate
		})
		assert.NotZero(t, s.RetriesDemanded, "half-open handshakes beyond half the rate must prove their address")
		admitted := rate + int(rate*elapsed.Seconds()) + 1
		assert.LessOrEqual(t, s.ConnectionsOpen, admitted+1, "no more handshakes held than the rate admitted, besides the peer's connection")
	})
}

// floodWhileExchanging runs the flood of TestQUICServesPeersThroughAFlood
// against a target adjusted by adjust, checks what every case checks, and
// returns the target's stats and how long the flood lasted.
func floodWhileExchanging(t *testing.T, perSecond int, duration time.Duration, adjust func(*Config)) (Stats, time.Duration) {
	n := newTestNet(t)
	target := n.node("target", adjust)
	peer := n.node("peer")
	peer.Keep(target.Self())
	target.Keep(peer.Self())
	eventually(t, func() bool { return target.Stats().PeersConnected == 1 && peer.Stats().PeersConnected == 1 }, "connected")

	var heardByTarget, heardByPeer atomic.Int64 // during the flood
	var flooding atomic.Bool
	for _, tn := range []struct {
		node  *testNode
		heard *atomic.Int64
	}{{target, &heardByTarget}, {peer, &heardByPeer}} {
		tn.node.mu.Lock()
		tn.node.onReceive = func(*testNode, Received) {
			if flooding.Load() {
				tn.heard.Add(1)
			}
		}
		tn.node.mu.Unlock()
	}

	flooding.Store(true)
	done := make(chan int)
	start := time.Now()
	var floodErr error
	go func() {
		var sent int
		sent, floodErr = floodtest.Flood(target.LocalAddr(), perSecond, duration)
		done <- sent
	}()
	exchanged, sent := 0, -1
	tick := time.NewTicker(10 * time.Millisecond)
	for sent < 0 {
		select {
		case sent = <-done:
		case <-tick.C:
			exchanged++
			peer.Send(target.Self(), quicSeq{Seq: uint64(exchanged)})
			target.Send(peer.Self(), quicSeq{Seq: uint64(exchanged)})
		}
	}
	tick.Stop()
	elapsed := time.Since(start)
	flooding.Store(false)
	assert.NoError(t, floodErr)

	s := target.Stats()
	var dropped uint64
	for _, v := range s.PacketsDropped {
		dropped += v
	}
	t.Logf("flood: %d datagrams in %v (%.0f/s); %d messages each way meanwhile, heard during the flood: %d by the target, %d by the peer",
		sent, elapsed, float64(sent)/elapsed.Seconds(), exchanged, heardByTarget.Load(), heardByPeer.Load())
	t.Logf("target: dropped %v, refused %v (%d unreported), %d retries demanded, %d connections open",
		s.PacketsDropped, s.Refused, s.RefusalsUnreported, s.RetriesDemanded, s.ConnectionsOpen)

	assert.Positive(t, heardByTarget.Load(), "the target heard its peer during the flood")
	assert.Positive(t, heardByPeer.Load(), "the peer heard the target during the flood")
	eventually(t, func() bool {
		return len(target.receivedFrom("peer")) == exchanged && len(peer.receivedFrom("target")) == exchanged
	}, "nothing the two sent each other was lost")
	assert.Empty(t, target.failures(), "the peer was never lost")
	assert.Zero(t, s.RateLimited, "the peer stayed within its message rate")
	assert.NotZero(t, s.PacketsDropped[notQUIC], "datagrams that are not QUIC are counted")
	assert.NotZero(t, dropped-s.PacketsDropped[notQUIC], "so are those QUIC itself drops")
	assert.LessOrEqual(t, len(target.refused()), RefusalReportsPerSecond*(2+int(elapsed.Seconds())), "refusals reach the log at a bounded rate")
	return s, elapsed
}
