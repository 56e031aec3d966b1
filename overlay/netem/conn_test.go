package netem

import (
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// udpPair returns two UDP sockets on loopback.
func udpPair(t *testing.T) (a, b *net.UDPConn) {
	t.Helper()
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c
	}
	return listen(), listen()
}

// receive reads n datagrams from c, each a big-endian sequence number,
// with the time each arrived.
func receive(t *testing.T, c net.PacketConn, n int) ([]uint32, []time.Time) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	var seqs []uint32
	var at []time.Time
	buf := make([]byte, 64)
	for range n {
		k, _, err := c.ReadFrom(buf)
		require.NoError(t, err)
		seqs = append(seqs, binary.BigEndian.Uint32(buf[:k]))
		at = append(at, time.Now())
	}
	return seqs, at
}

func TestConnHoldsEachDatagramForItsDelay(t *testing.T) {
	a, b := udpPair(t)
	const delay = 80 * time.Millisecond
	c := Delay(a, func(to net.Addr) time.Duration {
		if to.String() == b.LocalAddr().String() {
			return delay
		}
		return 0
	}, 0)
	defer c.Close()

	const n = 50
	sent := time.Now()
	for i := range uint32(n) {
		k, err := c.WriteTo(binary.BigEndian.AppendUint32(nil, i), b.LocalAddr())
		require.NoError(t, err)
		require.Equal(t, 4, k)
	}
	seqs, at := receive(t, b, n)
	for i := range n {
		assert.Equal(t, uint32(i), seqs[i], "datagrams to one destination keep their order")
		assert.GreaterOrEqual(t, at[i].Sub(sent), delay, "datagram %d arrived before its delay", i)
	}
	assert.Equal(t, ConnStats{}, c.Stats())
}

func TestConnWithoutDelaySendsAtOnce(t *testing.T) {
	a, b := udpPair(t)
	c := Delay(a, func(net.Addr) time.Duration { return 0 }, 0)
	defer c.Close()
	_, err := c.WriteTo(binary.BigEndian.AppendUint32(nil, 7), b.LocalAddr())
	require.NoError(t, err)
	seqs, _ := receive(t, b, 1)
	assert.Equal(t, []uint32{7}, seqs)
}

func TestConnDropsPastItsHeldBytes(t *testing.T) {
	a, b := udpPair(t)
	c := Delay(a, func(net.Addr) time.Duration { return 200 * time.Millisecond }, 100)
	defer c.Close()
	for range 3 {
		k, err := c.WriteTo(make([]byte, 60), b.LocalAddr())
		require.NoError(t, err, "a drop is the network's loss, not the sender's error")
		assert.Equal(t, 60, k)
	}
	assert.Equal(t, uint64(2), c.Stats().Dropped, "only the first 60 bytes fit under 100")
}

func TestConnClose(t *testing.T) {
	a, b := udpPair(t)
	const delay = 50 * time.Millisecond
	c := Delay(a, func(net.Addr) time.Duration { return delay }, 0)
	sent := time.Now()
	_, err := c.WriteTo(binary.BigEndian.AppendUint32(nil, 9), b.LocalAddr())
	require.NoError(t, err)
	require.NoError(t, c.Close(), "returns once the datagram held has left")
	assert.GreaterOrEqual(t, time.Since(sent), delay)
	seqs, _ := receive(t, b, 1)
	assert.Equal(t, []uint32{9}, seqs, "a datagram in flight arrives after its sender closed")
	_, err = c.WriteTo([]byte{1}, b.LocalAddr())
	assert.ErrorIs(t, err, net.ErrClosed)
	assert.ErrorIs(t, c.Close(), net.ErrClosed)
	_, _, err = a.ReadFrom(make([]byte, 1))
	assert.ErrorIs(t, err, net.ErrClosed, "the wrapped socket is closed too")
}

func TestConnPassesBufferSizing(t *testing.T) {
	a, _ := udpPair(t)
	c := Delay(a, func(net.Addr) time.Duration { return 0 }, 0)
	defer c.Close()
	assert.NoError(t, c.SetReadBuffer(1<<20))
	assert.NoError(t, c.SetWriteBuffer(1<<20))
	raw, err := c.SyscallConn()
	require.NoError(t, err)
	assert.NotNil(t, raw)
}

func TestPlacementOneWay(t *testing.T) {
	m, err := PlanetLab490()
	require.NoError(t, err)
	p := NewPlacement(m)
	addr := func(port int) net.Addr { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port} }
	p.Place(addr(1000), 0)
	p.Place(addr(1001), 1)
	p.Place(addr(1002), 490) // wraps to host 0
	rtt, _ := m.RTT(0, 1)

	assert.Equal(t, rtt/2, p.OneWay(addr(1000), addr(1001)))
	assert.Equal(t, rtt/2, p.OneWay(addr(1001), addr(1000)))
	assert.Equal(t, time.Duration(0), p.OneWay(addr(1000), addr(1002)), "the same host")
	assert.Equal(t, time.Duration(0), p.OneWay(addr(1000), addr(1003)), "an address not placed")
	h, ok := p.Host(addr(1002))
	assert.True(t, ok)
	assert.Equal(t, 0, h)
	assert.Same(t, m, p.Matrix())
}

func TestDelayByPlacement(t *testing.T) {
	a, b := udpPair(t)
	m, err := ParseRTTMatrix(strings.NewReader("0 120\n120 0\n"), time.Millisecond)
	require.NoError(t, err)
	p := NewPlacement(m)
	p.Place(a.LocalAddr(), 0)
	p.Place(b.LocalAddr(), 1)
	c := DelayByPlacement(a, p)
	defer c.Close()
	sent := time.Now()
	_, err = c.WriteTo(binary.BigEndian.AppendUint32(nil, 1), b.LocalAddr())
	require.NoError(t, err)
	_, at := receive(t, b, 1)
	assert.GreaterOrEqual(t, at[0].Sub(sent), 60*time.Millisecond, "half the 120 ms RTT")
}
