package overlay

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refusedCount returns how many refusals for reason tn counted.
func refusedCount(tn *testNode, reason RefusalReason) uint64 {
	return tn.Stats().Refused[reason]
}

// rawDial connects to tn as a bare QUIC client presenting certs, which need
// not satisfy anything, and without the transport's checks of the server.
func rawDial(tb testing.TB, tn *testNode, certs ...tls.Certificate) (*quic.Conn, error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	return quic.DialAddr(ctx, tn.LocalAddr().String(), &tls.Config{
		MinVersion:         tls.VersionTLS13,
		Certificates:       certs,
		NextProtos:         []string{ALPN()},
		InsecureSkipVerify: true,
	}, &quic.Config{EnableDatagrams: true})
}

func TestQUICRefusesAnotherClustersNodeBothWays(t *testing.T) {
	n := newTestNet(t)
	good := n.node("good")
	foreign, err := newTestCA(t).Identity("stranger", CertOptions{})
	require.NoError(t, err)
	stranger := n.node("stranger", func(c *Config) { c.Identity = foreign })

	good.Send(stranger.Self(), quicSeq{})
	eventually(t, func() bool { return len(good.failures()) == 1 }, "good's dial fails")
	assert.ErrorIs(t, good.failures()[0].Err, ErrDialFailed)
	eventually(t, func() bool { return refusedCount(stranger, RefusedByPeer) == 1 }, "the stranger counts being refused")
	assert.Equal(t, uint64(1), refusedCount(good, RefusedUnknownAuthority), "good refused the stranger's certificate")

	stranger.Send(good.Self(), quicSeq{})
	eventually(t, func() bool { return len(stranger.failures()) == 1 }, "the stranger's dial fails")
	eventually(t, func() bool { return refusedCount(good, RefusedByPeer) == 1 }, "good counts being refused")
	assert.Equal(t, uint64(1), refusedCount(stranger, RefusedUnknownAuthority))

	assert.Empty(t, good.receivedFrom("stranger"))
	assert.Empty(t, stranger.receivedFrom("good"))
	r := good.refused()[0]
	assert.Equal(t, RefusedUnknownAuthority, r.Reason)
	assert.Equal(t, NodeID("stranger"), r.Node)
	assert.False(t, r.Inbound)
	assert.ErrorIs(t, r.Err, ErrRefused)
	assert.Contains(t, r.Err.Error(), "unknown_authority")
}

func TestQUICRefusesACertificateNamingAnotherNode(t *testing.T) {
	n := newTestNet(t)
	alice, mallory := n.node("alice"), n.node("mallory")
	// alice thinks bob is at mallory's address.
	alice.Send(Peer{ID: "bob", Addr: mallory.Self().Addr}, quicSeq{})
	eventually(t, func() bool { return len(alice.failures()) == 1 }, "the dial fails")
	assert.Equal(t, NodeID("bob"), alice.failures()[0].ID)
	assert.Equal(t, uint64(1), refusedCount(alice, RefusedNameMismatch))
	assert.Empty(t, mallory.receivedFrom("alice"))
}

func TestQUICRefusesBadClientCertificates(t *testing.T) {
	n := newTestNet(t)
	server := n.node("server")
	expired, err := n.ca.Issue("late", CertOptions{NotBefore: time.Now().Add(-2 * time.Hour), ValidFor: time.Hour})
	require.NoError(t, err)
	nameless, err := newTestCA(t).Issue("foreign", CertOptions{})
	require.NoError(t, err)

	tests := []struct {
		name   string
		certs  []tls.Certificate
		reason RefusalReason
	}{
		{"expired", []tls.Certificate{expired.TLSCertificate()}, RefusedExpired},
		{"no certificate", nil, RefusedNoCertificate},
		{"another CA", []tls.Certificate{nameless.TLSCertificate()}, RefusedUnknownAuthority},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := refusedCount(server, tt.reason)
			conn, err := rawDial(t, server, tt.certs...)
			if err == nil {
				// TLS 1.3 clients finish before the server has judged
				// their certificate; the refusal then ends the connection.
				eventually(t, func() bool { return conn.Context().Err() != nil }, "the server closes the connection")
			}
			eventually(t, func() bool { return refusedCount(server, tt.reason) == before+1 }, "refusal counted as %s", tt.reason)
		})
	}
	assert.Empty(t, server.failures())
	server.mu.Lock()
	assert.Empty(t, server.received)
	server.mu.Unlock()
}

func TestQUICRefusesAHelloClaimingAnotherName(t *testing.T) {
	n := newTestNet(t)
	server := n.node("server")
	mallory, err := n.ca.Issue("mallory", CertOptions{})
	require.NoError(t, err)
	conn, err := rawDial(t, server, mallory.TLSCertificate())
	require.NoError(t, err)
	stream, err := conn.OpenUniStream()
	require.NoError(t, err)
	require.NoError(t, newHelloCodec().write(stream, hello{From: Peer{ID: "alice", Addr: "127.0.0.1:1"}, Boot: 1}))
	// What mallory sends next must never be delivered as alice's.
	require.NoError(t, n.codecFor(t).WriteFrame(stream, quicSeq{Seq: 666}))

	eventually(t, func() bool { return refusedCount(server, RefusedHelloMismatch) == 1 }, "the lie is refused")
	eventually(t, func() bool { return conn.Context().Err() != nil }, "and the connection closed")
	r := server.refused()[0]
	assert.Equal(t, NodeID("mallory"), r.Node, "the refusal names the certificate's node")
	assert.True(t, r.Inbound)
	assert.ErrorIs(t, r.Err, ErrBadHello)
	server.mu.Lock()
	assert.Empty(t, server.received)
	server.mu.Unlock()
	assert.Zero(t, server.Stats().ConnectionsOpen)
}

// codecFor returns a codec for the test messages.
func (n *testNet) codecFor(tb testing.TB) *Codec {
	tb.Helper()
	c, err := NewCodec(Limits{}, n.reg)
	require.NoError(tb, err)
	return c
}
