package dns

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

// manyInstances returns a backend whose service "big" has n passing
// instances w-000 … at 1, 2, … n ms, registered in a random order.
func manyInstances(t *testing.T, n int) *apitest.Backend {
	t.Helper()
	b, err := apitest.New(apitest.Config{
		Self: overlay.Peer{ID: "self", Addr: "127.0.0.1:7946"}, Coordinate: *ms(0, 0),
		Catalog: catalog.Config{Dimensionality: testDim},
	})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	var recs []catalog.Record
	for _, i := range rng.Perm(n) {
		id := fmt.Sprintf("w-%03d", i)
		recs = append(recs, apitest.Record(id, fmt.Sprintf("127.0.%d.%d:7946", 10+i/200, 1+i%200), "dc1",
			ms(float64(i+1), 0), svc("big", "big-1", catalog.Passing, uint16(9000+i))))
	}
	require.NoError(t, b.Apply(recs...))
	return b
}

// wantPrefix checks that targets are the k nearest of the big service.
func wantPrefix(t *testing.T, targets []string, k int) {
	t.Helper()
	require.Len(t, targets, k)
	for i, got := range targets {
		require.Equal(t, fmt.Sprintf("w-%03d.node.dc1.overlay.", i), got)
	}
}

func TestTruncationOverUDP(t *testing.T) {
	s := startServer(t, Config{Backend: manyInstances(t, 60)})
	for _, tc := range []struct {
		edns, limit int
	}{{0, 512}, {1232, 1232}, {4096, DefaultMaxUDPSize}, {100, 512}} {
		raw := exchangeUDP(t, s.udp, query(t, 1, "big.service.overlay.", dnsmessage.TypeSRV, tc.edns))
		require.LessOrEqual(t, len(raw), tc.limit, "EDNS %d", tc.edns)
		m := unpack(t, raw)
		require.True(t, m.Truncated, "EDNS %d", tc.edns)
		targets, _, _ := srvTargets(m)
		require.NotEmpty(t, targets)
		wantPrefix(t, targets, len(targets))
		require.Len(t, addrs(m.Additionals), len(targets), "each SRV kept with its address")
		if tc.edns != 0 {
			require.Equal(t, dnsmessage.TypeOPT, m.Additionals[len(m.Additionals)-1].Header.Type, "the OPT record survives")
		}
	}
	m := unpack(t, exchangeUDP(t, s.udp, query(t, 1, "big.service.overlay.", dnsmessage.TypeA, 0)))
	require.True(t, m.Truncated)
	// 12 bytes of header, 25 of question, 16 per A record.
	require.Equal(t, (512-12-25)/16, len(m.Answers), "as many A records as fit in 512 bytes")
	require.Equal(t, uint64(5), s.Stats().Truncated)
}

func TestTCPAnswersComplete(t *testing.T) {
	s := startServer(t, Config{Backend: manyInstances(t, 500)})
	c, err := net.Dial("tcp", s.tcp)
	require.NoError(t, err)
	defer c.Close()
	m := exchangeTCP(t, c, query(t, 5, "big.service.overlay.", dnsmessage.TypeSRV, 0))
	require.False(t, m.Truncated)
	targets, _, _ := srvTargets(m)
	wantPrefix(t, targets, 500)
	require.Len(t, m.Additionals, 500)
	m = exchangeTCP(t, c, query(t, 6, "big.service.overlay.", dnsmessage.TypeA, 0))
	require.Len(t, m.Answers, 500, "a second query on the same connection")
}

func TestTCPAnswerCutAt64KiB(t *testing.T) {
	s := startServer(t, Config{Backend: manyInstances(t, 3000)})
	c, err := net.Dial("tcp", s.tcp)
	require.NoError(t, err)
	defer c.Close()
	m := exchangeTCP(t, c, query(t, 5, "big.service.overlay.", dnsmessage.TypeSRV, 0))
	require.True(t, m.Truncated, "3,000 SRV records and addresses exceed a TCP message")
	targets, _, _ := srvTargets(m)
	// An SRV target is never compressed (RFC 2782), and compression
	// pointers reach only the first 16 KiB: about 80 bytes an instance.
	require.Greater(t, len(targets), 800)
	wantPrefix(t, targets, len(targets))
}

// exchangeTCP sends one query on c and reads its answer.
func exchangeTCP(t *testing.T, c net.Conn, req []byte) dnsmessage.Message {
	t.Helper()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err := c.Write(binary.BigEndian.AppendUint16(nil, uint16(len(req))))
	require.NoError(t, err)
	_, err = c.Write(req)
	require.NoError(t, err)
	return readTCP(t, c)
}

func readTCP(t *testing.T, c net.Conn) dnsmessage.Message {
	t.Helper()
	var size [2]byte
	_, err := io.ReadFull(c, size[:])
	require.NoError(t, err)
	msg := make([]byte, binary.BigEndian.Uint16(size[:]))
	_, err = io.ReadFull(c, msg)
	require.NoError(t, err)
	return unpack(t, msg)
}

// TestResolverRetriesOverTCP checks the truncation with Go's own
// resolver: it gets a truncated answer over UDP, asks again over TCP,
// and sees every instance in order (the priorities, which RFC 2782
// clients sort by, are the ranks).
func TestResolverRetriesOverTCP(t *testing.T) {
	s := startServer(t, Config{Backend: manyInstances(t, 60)})
	var udp, tcp atomic.Int32
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		if network == "tcp" {
			tcp.Add(1)
			return d.DialContext(ctx, "tcp", s.tcp)
		}
		udp.Add(1)
		return d.DialContext(ctx, "udp", s.udp)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, srvs, err := r.LookupSRV(ctx, "", "", "big.service.overlay.")
	require.NoError(t, err)
	var targets []string
	for _, srv := range srvs {
		targets = append(targets, srv.Target)
	}
	wantPrefix(t, targets, 60)
	require.Positive(t, udp.Load())
	require.Equal(t, int32(1), tcp.Load(), "one retry over TCP after the truncated UDP answer")
	require.Positive(t, s.Stats().Truncated)
	require.Positive(t, s.Stats().TCPQueries)

	// The small answer of the fixture needs no TCP.
	s2 := startServer(t, Config{})
	r.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		if network == "tcp" {
			tcp.Add(1)
		}
		return d.DialContext(ctx, "udp", s2.udp)
	}
	_, srvs, err = r.LookupSRV(ctx, "web", "tcp", "service.overlay.")
	require.NoError(t, err)
	require.Len(t, srvs, 5)
	require.Equal(t, "node-b.node.dc1.overlay.", srvs[0].Target)
	require.Equal(t, int32(1), tcp.Load())
	_, _, err = r.LookupSRV(ctx, "", "", "nosuch.service.overlay.")
	var dnsErr *net.DNSError
	require.ErrorAs(t, err, &dnsErr)
	require.True(t, dnsErr.IsNotFound, "%v", err)
}

func TestTCPPipelining(t *testing.T) {
	s := startServer(t, Config{})
	c, err := net.Dial("tcp", s.tcp)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	var both []byte
	for id, name := range []string{"web.service.overlay.", "api.service.overlay."} {
		q := query(t, uint16(id+1), name, dnsmessage.TypeSRV, 0)
		both = append(binary.BigEndian.AppendUint16(both, uint16(len(q))), q...)
	}
	_, err = c.Write(both)
	require.NoError(t, err)
	first, second := readTCP(t, c), readTCP(t, c)
	require.Equal(t, uint16(1), first.ID)
	require.Len(t, first.Answers, 5)
	require.Equal(t, uint16(2), second.ID)
	require.Len(t, second.Answers, 2)
}

// waitClosed waits until the server closes c: a read returns EOF.
func waitClosed(t *testing.T, c net.Conn) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err := c.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF)
}

func TestTCPConnectionLimit(t *testing.T) {
	s := startServer(t, Config{MaxTCPConns: 2})
	var open []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", s.tcp)
		require.NoError(t, err)
		defer c.Close()
		exchangeTCP(t, c, query(t, 1, "web.service.overlay.", dnsmessage.TypeA, 0)) // served, so counted
		open = append(open, c)
	}
	extra, err := net.Dial("tcp", s.tcp)
	require.NoError(t, err)
	defer extra.Close()
	waitClosed(t, extra)
	require.Equal(t, uint64(1), s.Stats().TCPRejected)

	open[0].Close()
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", s.tcp)
		if err != nil {
			return false
		}
		defer c.Close()
		require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
		q := query(t, 1, "web.service.overlay.", dnsmessage.TypeA, 0)
		if _, err := c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(q))), q...)); err != nil {
			return false
		}
		var size [2]byte
		_, err = io.ReadFull(c, size[:])
		return err == nil
	}, 10*time.Second, 10*time.Millisecond, "a slot frees when a connection closes")
	exchangeTCP(t, open[1], query(t, 2, "web.service.overlay.", dnsmessage.TypeA, 0))
}

func TestTCPIdleTimeout(t *testing.T) {
	s := startServer(t, Config{TCPIdleTimeout: 50 * time.Millisecond})
	c, err := net.Dial("tcp", s.tcp)
	require.NoError(t, err)
	defer c.Close()
	waitClosed(t, c)
	require.Equal(t, uint64(1), s.Stats().TCPIdleClosed)

	// Half a message, then silence: closed too.
	c, err = net.Dial("tcp", s.tcp)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte{0, 40, 1, 2})
	require.NoError(t, err)
	waitClosed(t, c)
	require.Equal(t, uint64(2), s.Stats().TCPIdleClosed)
}

func TestServeStopsWithItsContext(t *testing.T) {
	s, err := New(Config{Backend: newBackend(t)})
	require.NoError(t, err)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, pc, ln) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	exchangeTCP(t, c, query(t, 1, "web.service.overlay.", dnsmessage.TypeA, 0))
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	waitClosed(t, c)
	_, err = pc.WriteTo([]byte{0}, pc.LocalAddr())
	require.ErrorIs(t, err, net.ErrClosed, "Serve closed the UDP socket")

	require.ErrorIs(t, s.Serve(context.Background(), nil, nil), ErrNoTransport)
}

func TestListenAndServe(t *testing.T) {
	// A free port for both transports: pick one over TCP, then bind both.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	s, err := New(Config{Backend: newBackend(t), Addr: addr})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe(ctx) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	var m dnsmessage.Message
	require.Eventually(t, func() bool {
		c, err := net.Dial("udp", addr)
		if err != nil {
			return false
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := c.Write(query(t, 1, "web.service.overlay.", dnsmessage.TypeA, 0)); err != nil {
			return false
		}
		buf := make([]byte, 512)
		n, err := c.Read(buf)
		return err == nil && m.Unpack(buf[:n]) == nil
	}, 10*time.Second, 10*time.Millisecond)
	require.Len(t, m.Answers, 5)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	require.Len(t, exchangeTCP(t, c, query(t, 1, "web.service.overlay.", dnsmessage.TypeA, 0)).Answers, 5)
}

func TestServeFailsWhenASocketIsClosedUnderIt(t *testing.T) {
	s, err := New(Config{Backend: newBackend(t)})
	require.NoError(t, err)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), pc, ln) }()
	require.NoError(t, ln.Close())
	select {
	case err := <-done:
		require.ErrorIs(t, err, net.ErrClosed)
		require.ErrorContains(t, err, "TCP listener")
	case <-time.After(10 * time.Second):
		t.Fatal("Serve went on without its listener")
	}
	_, err = pc.WriteTo([]byte{0}, pc.LocalAddr())
	require.ErrorIs(t, err, net.ErrClosed, "and it closed the UDP socket")
}
