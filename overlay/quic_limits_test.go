package overlay

import (
	"crypto/tls"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memberCert returns a certificate of the test cluster's CA for a bare
// QUIC client.
func (n *testNet) memberCert(tb testing.TB, name NodeID) tls.Certificate {
	tb.Helper()
	c, err := n.ca.Issue(name, CertOptions{})
	require.NoError(tb, err)
	return c.TLSCertificate()
}

func TestQUICBoundsConnectionsPerAddress(t *testing.T) {
	n := newTestNet(t)
	hub := n.node("hub", func(c *Config) { c.MaxConnectionsPerAddress = 2 })
	cert := n.memberCert(t, "client")
	// Bare clients that never send their hello hold their connection until
	// the hello times out.
	var held []*quic.Conn
	for range 2 {
		conn, err := rawDial(t, hub, cert)
		require.NoError(t, err)
		held = append(held, conn)
	}
	_, err := rawDial(t, hub, cert)
	require.Error(t, err, "a third connection from 127.0.0.1 is refused")
	assert.NotZero(t, refusedCount(hub, RefusedTooManyFromAddress), "and counted")
	r := hub.refused()[0]
	assert.Equal(t, RefusedTooManyFromAddress, r.Reason)
	assert.ErrorIs(t, r.Err, ErrTooManyFromAddress)
	assert.Contains(t, r.Err.Error(), "too_many_from_address")
	assert.Equal(t, 2, hub.Stats().ConnectionsOpen)

	require.NoError(t, held[0].CloseWithError(0, ""))
	eventually(t, func() bool { return hub.Stats().ConnectionsOpen == 1 }, "the slot is given back")
	conn, err := rawDial(t, hub, cert)
	require.NoError(t, err, "the address may connect again")
	_ = conn.CloseWithError(0, "")
	_ = held[1].CloseWithError(0, "")
}

func TestQUICBoundsHandshakesPerSecond(t *testing.T) {
	const rate, attempts = 2, 20
	n := newTestNet(t)
	hub := n.node("hub", func(c *Config) { c.MaxHandshakesPerSecond = rate })
	cert := n.memberCert(t, "client")
	start := time.Now()
	var mu sync.Mutex
	var admitted []*quic.Conn
	var wg sync.WaitGroup
	for range attempts {
		wg.Go(func() {
			if conn, err := rawDial(t, hub, cert); err == nil {
				mu.Lock()
				admitted = append(admitted, conn)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	// The bucket starts with a second's worth and earns rate a second.
	bound := rate + int(float64(rate)*elapsed.Seconds()) + 1
	t.Logf("%d of %d handshakes admitted in %v; %d refusals for the rate", len(admitted), attempts, elapsed, refusedCount(hub, RefusedHandshakeRate))
	assert.LessOrEqual(t, len(admitted), bound, "%d admitted in %v", len(admitted), elapsed)
	assert.NotZero(t, len(admitted), "the first handshakes get through")
	assert.GreaterOrEqual(t, refusedCount(hub, RefusedHandshakeRate), uint64(attempts-bound), "the rest are refused for the rate")
	for _, r := range hub.refused() {
		if r.Reason == RefusedHandshakeRate {
			assert.ErrorIs(t, r.Err, ErrHandshakeRate)
		}
	}
	for _, c := range admitted {
		_ = c.CloseWithError(0, "")
	}
}

func TestQUICDropsMessagesBeyondAPeersRate(t *testing.T) {
	const rate, sent = 100, 1000
	n := newTestNet(t)
	receiver := n.node("receiver", func(c *Config) { c.MaxPeerMessagesPerSecond = rate })
	sender := n.node("sender", func(c *Config) { c.MaxQueueMessages = sent })
	start := time.Now()
	for i := range sent {
		sender.Send(receiver.Self(), quicSeq{Seq: uint64(i + 1)})
	}
	eventually(t, func() bool {
		return uint64(len(receiver.receivedFrom("sender")))+receiver.Stats().RateLimited == sent
	}, "every message is delivered or dropped")
	elapsed := time.Since(start)
	got := len(receiver.receivedFrom("sender"))
	t.Logf("%d of %d delivered in %v", got, sent, elapsed)
	assert.LessOrEqual(t, got, rate+int(rate*elapsed.Seconds())+1, "%d delivered in %v", got, elapsed)
	assert.GreaterOrEqual(t, got, rate, "a second's worth passes at once")
	assert.Equal(t, uint64(sent-got), receiver.Stats().RateLimited)
	assert.Equal(t, uint64(sent), receiver.Stats().Traffic[TrafficKey{wireTestProto, 20, DirectionIn}].Messages, "dropped messages were still received and counted")

	// The bucket refills: the peer is heard again.
	eventually(t, func() bool {
		sender.Send(receiver.Self(), quicSeq{Seq: sent + 1})
		s := seqs(receiver.receivedFrom("sender"))
		return s[len(s)-1] == sent+1
	}, "a message after the burst is delivered")
}

func TestQUICReportsRefusalsAtABoundedRate(t *testing.T) {
	n := newTestNet(t)
	hub := n.node("hub", func(c *Config) { c.MaxConnectionsPerAddress = 1 })
	cert := n.memberCert(t, "client")
	held, err := rawDial(t, hub, cert)
	require.NoError(t, err)
	const attempts = 3 * RefusalReportsPerSecond
	start := time.Now()
	for range attempts {
		_, err := rawDial(t, hub, cert)
		require.Error(t, err)
	}
	elapsed := time.Since(start)
	s := hub.Stats()
	refused := s.Refused[RefusedTooManyFromAddress]
	assert.GreaterOrEqual(t, refused, uint64(attempts))
	assert.Equal(t, refused, uint64(len(hub.refused()))+s.RefusalsUnreported, "every refusal is reported or counted as unreported")
	assert.LessOrEqual(t, len(hub.refused()), RefusalReportsPerSecond*(1+int(elapsed.Seconds()+1)))
	_ = held.CloseWithError(0, "")
}
