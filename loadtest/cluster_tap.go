package main

import (
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
)

// tapNet is the network under a real-cluster run: every agent's UDP socket
// is a tapConn on it, which counts what the agent sends and receives and
// drops what crosses a partition. With a latency matrix, netem wraps the
// tap, so the tap counts each datagram as it leaves, after its delay.
type tapNet struct {
	// counts are per agent index, kept across the sockets of its restarts.
	counts []udpCounts

	mu sync.RWMutex
	// index is the agent each socket address belongs to.
	index map[netip.AddrPort]int
	// side, when split, is the partition side of each agent index.
	side  []int8
	split atomic.Bool
}

// udpCounts counts one agent's datagrams and their bytes (UDP payload:
// QUIC headers, encryption and all).
type udpCounts struct {
	sentPkts, sentBytes, rcvdPkts, rcvdBytes atomic.Uint64
}

func newTapNet(n int) *tapNet {
	return &tapNet{counts: make([]udpCounts, n), index: make(map[netip.AddrPort]int, n), side: make([]int8, n)}
}

// listen opens agent i's socket on loopback.
func (t *tapNet) listen(i int) (net.PacketConn, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	self := addrPort(pc.LocalAddr())
	t.mu.Lock()
	t.index[self] = i
	t.mu.Unlock()
	return &tapConn{PacketConn: pc, net: t, self: i, counts: &t.counts[i]}, nil
}

// partition splits the agents: side(i) for each; datagrams between
// different sides are dropped until heal.
func (t *tapNet) partition(side func(i int) int8) {
	t.mu.Lock()
	for i := range t.side {
		t.side[i] = side(i)
	}
	t.mu.Unlock()
	t.split.Store(true)
}

func (t *tapNet) heal() { t.split.Store(false) }

// cut reports whether a datagram between agent i and addr crosses the
// partition. Addresses of no agent are never cut.
func (t *tapNet) cut(i int, addr net.Addr) bool {
	if !t.split.Load() {
		return false
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	j, ok := t.index[addrPort(addr)]
	return ok && t.side[i] != t.side[j]
}

// totals sums the counts over every agent.
func (t *tapNet) totals() (pkts, bytes uint64) {
	for i := range t.counts {
		c := &t.counts[i]
		pkts += c.sentPkts.Load()
		bytes += c.sentBytes.Load()
	}
	return pkts, bytes
}

// sentSplit returns the mean UDP payload sent so far by the first k
// agents (the seeds), and the mean and the median sent by the others.
func (t *tapNet) sentSplit(k int) (first, rest, restMedian float64) {
	var a, b uint64
	var others []uint64
	for i := range t.counts {
		n := t.counts[i].sentBytes.Load()
		if i < k {
			a += n
		} else {
			b += n
			others = append(others, n)
		}
	}
	if len(others) > 0 {
		slices.Sort(others)
		restMedian = float64(others[len(others)/2])
	}
	return float64(a) / float64(max(k, 1)), float64(b) / float64(max(len(others), 1)), restMedian
}

func addrPort(a net.Addr) netip.AddrPort {
	if u, ok := a.(*net.UDPAddr); ok {
		return u.AddrPort()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// tapConn is one agent's socket on a tapNet.
type tapConn struct {
	net.PacketConn
	net    *tapNet
	self   int
	counts *udpCounts
}

// WriteTo sends p, or drops it silently if it crosses the partition.
func (c *tapConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.net.cut(c.self, addr) {
		return len(p), nil
	}
	n, err := c.PacketConn.WriteTo(p, addr)
	if err == nil {
		c.counts.sentPkts.Add(1)
		c.counts.sentBytes.Add(uint64(n))
	}
	return n, err
}

// ReadFrom returns the next datagram that did not cross the partition.
func (c *tapConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(p)
		if err != nil {
			return n, addr, err
		}
		if c.net.cut(c.self, addr) {
			continue
		}
		c.counts.rcvdPkts.Add(1)
		c.counts.rcvdBytes.Add(uint64(n))
		return n, addr, nil
	}
}

// SetReadBuffer, SetWriteBuffer and SyscallConn pass through, so that
// QUIC sizes the socket's buffers as on a bare UDP socket.
func (c *tapConn) SetReadBuffer(bytes int) error {
	return c.PacketConn.(*net.UDPConn).SetReadBuffer(bytes)
}

func (c *tapConn) SetWriteBuffer(bytes int) error {
	return c.PacketConn.(*net.UDPConn).SetWriteBuffer(bytes)
}

func (c *tapConn) SyscallConn() (syscall.RawConn, error) {
	return c.PacketConn.(*net.UDPConn).SyscallConn()
}
