package netem

import (
	"container/heap"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultMaxHeldBytes bounds what a [Conn] holds in flight, like a router's
// buffer: 1 MiB is over 3 s of a 2.5 Mbit/s stream, far more than an
// overlayd agent sends.
const DefaultMaxHeldBytes = 1 << 20

// Conn wraps a net.PacketConn and delays every datagram it writes by the
// one-way delay to its destination, then writes it to the wrapped
// connection. Reads pass through: the sender's side holds the whole delay.
// Datagrams to the same destination leave in the order they were written.
//
// A datagram that would push the bytes held past the limit is dropped, as
// a full router buffer drops it, and counted. It is safe for concurrent
// use, like the connection it wraps.
type Conn struct {
	net.PacketConn
	delay    func(to net.Addr) time.Duration
	maxBytes int

	mu      sync.Mutex
	held    packetQueue
	heldLen int
	seq     uint64
	closed  bool

	wake chan struct{}
	done chan struct{}
	exit chan struct{}

	dropped, failed atomic.Uint64
}

// Delay wraps pc so that each datagram to addr leaves after delay(addr),
// holding at most maxBytes at once (DefaultMaxHeldBytes when 0). A delay
// of zero or less sends at once. Close the Conn, not pc: it stops the
// sender and closes pc.
func Delay(pc net.PacketConn, delay func(to net.Addr) time.Duration, maxBytes int) *Conn {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxHeldBytes
	}
	c := &Conn{
		PacketConn: pc,
		delay:      delay,
		maxBytes:   maxBytes,
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		exit:       make(chan struct{}),
	}
	go c.send()
	return c
}

// DelayByPlacement wraps pc with the one-way delays of p from pc's own
// address to each destination.
func DelayByPlacement(pc net.PacketConn, p *Placement) *Conn {
	self := pc.LocalAddr()
	return Delay(pc, func(to net.Addr) time.Duration { return p.OneWay(self, to) }, 0)
}

// heldPacket is a datagram waiting for its departure time.
type heldPacket struct {
	due  time.Time
	seq  uint64
	to   net.Addr
	data []byte
}

// WriteTo queues a copy of p for addr and returns at once.
func (c *Conn) WriteTo(p []byte, addr net.Addr) (int, error) {
	d := c.delay(addr)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return 0, net.ErrClosed
	}
	if d <= 0 && c.held.Len() == 0 {
		c.mu.Unlock()
		return c.PacketConn.WriteTo(p, addr)
	}
	if c.heldLen+len(p) > c.maxBytes {
		c.mu.Unlock()
		c.dropped.Add(1)
		return len(p), nil // lost in the network, not an error of the sender
	}
	c.seq++
	heap.Push(&c.held, heldPacket{due: time.Now().Add(d), seq: c.seq, to: addr, data: append([]byte(nil), p...)})
	c.heldLen += len(p)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return len(p), nil
}

// send writes each held datagram when it is due. After Close it goes on
// until the last one has left.
func (c *Conn) send() {
	defer close(c.exit)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	done := c.done
	for {
		wait, ok := c.writeDue()
		switch {
		case ok:
			timer.Reset(wait)
		case done == nil: // closed, and nothing left
			return
		default:
			timer.Stop()
		}
		select {
		case <-timer.C:
		case <-c.wake:
		case <-done:
			done = nil
		}
	}
}

// writeDue writes every datagram whose time has come and returns how long
// until the next one is due, if any is held.
func (c *Conn) writeDue() (time.Duration, bool) {
	for {
		c.mu.Lock()
		if c.held.Len() == 0 {
			c.mu.Unlock()
			return 0, false
		}
		next := c.held[0]
		if wait := time.Until(next.due); wait > 0 {
			c.mu.Unlock()
			return wait, true
		}
		heap.Pop(&c.held)
		c.heldLen -= len(next.data)
		c.mu.Unlock()
		if _, err := c.PacketConn.WriteTo(next.data, next.to); err != nil {
			c.failed.Add(1)
		}
	}
}

// Close refuses further writes, waits until every datagram held has left
// at its time, as packets already in flight on a real network still
// arrive after their sender is gone, and closes the wrapped connection.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return net.ErrClosed
	}
	c.closed = true
	c.mu.Unlock()
	close(c.done)
	<-c.exit
	return c.PacketConn.Close()
}

// ConnStats counts what a [Conn] could not deliver.
type ConnStats struct {
	// Dropped counts datagrams refused because the held bytes were at
	// their limit.
	Dropped uint64
	// Failed counts delayed datagrams whose write to the wrapped
	// connection failed.
	Failed uint64
}

// Stats returns the counters.
func (c *Conn) Stats() ConnStats {
	return ConnStats{Dropped: c.dropped.Load(), Failed: c.failed.Load()}
}

// errNoBuffers reports a wrapped connection that cannot size its buffers.
var errNoBuffers = errors.New("netem: the wrapped connection does not size its buffers")

// SetReadBuffer passes through to the wrapped connection, so that a QUIC
// stack can size the socket's buffers as on a bare UDP socket.
func (c *Conn) SetReadBuffer(bytes int) error {
	if b, ok := c.PacketConn.(interface{ SetReadBuffer(int) error }); ok {
		return b.SetReadBuffer(bytes)
	}
	return errNoBuffers
}

// SetWriteBuffer passes through to the wrapped connection.
func (c *Conn) SetWriteBuffer(bytes int) error {
	if b, ok := c.PacketConn.(interface{ SetWriteBuffer(int) error }); ok {
		return b.SetWriteBuffer(bytes)
	}
	return errNoBuffers
}

// SyscallConn passes through to the wrapped connection, for socket options
// only: reads and writes must go through the Conn.
func (c *Conn) SyscallConn() (syscall.RawConn, error) {
	if s, ok := c.PacketConn.(interface {
		SyscallConn() (syscall.RawConn, error)
	}); ok {
		return s.SyscallConn()
	}
	return nil, errNoBuffers
}

// packetQueue is a min-heap of held datagrams by departure time, then by
// the order they were written.
type packetQueue []heldPacket

func (q packetQueue) Len() int { return len(q) }
func (q packetQueue) Less(i, j int) bool {
	if !q[i].due.Equal(q[j].due) {
		return q[i].due.Before(q[j].due)
	}
	return q[i].seq < q[j].seq
}
func (q packetQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *packetQueue) Push(x any)   { *q = append(*q, x.(heldPacket)) }
func (q *packetQueue) Pop() any {
	old := *q
	p := old[len(old)-1]
	old[len(old)-1] = heldPacket{}
	*q = old[:len(old)-1]
	return p
}
