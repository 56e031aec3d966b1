package overlay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"
)

// linkState is the role of a connection.
type linkState uint8

const (
	// linkStandby: established, held in reserve (see peerState.standby).
	linkStandby linkState = iota + 1
	// linkCurrent: the connection messages to the peer go out on.
	linkCurrent
	// linkRetired: being wound down; it still delivers what arrives.
	linkRetired
	// linkAbandoned: closed, or being closed, by this node.
	linkAbandoned
)

// link is one QUIC connection to a peer, with a stream each way.
type link struct {
	t      *QUICTransport
	conn   *quic.Conn
	peer   NodeID
	dialed bool // this node dialed it

	// Set by exchangeHellos, before the link is shared.
	send *quic.SendStream
	recv *quic.ReceiveStream
	addr string // the address the peer advertised
	boot uint64 // the peer's boot number
	// limiter is the peer's, shared by its links; set by establishLocked.
	limiter *tokenBucket

	wake     chan struct{} // tells the writer to look at the queue and the state
	readDone chan struct{} // closed when the reader has finished the peer's stream
	// lastHeard is when a message or keep-alive last arrived, in Unix
	// nanoseconds.
	lastHeard atomic.Int64

	// Guarded by t.mu.
	seq        uint64 // order of establishment
	state      linkState
	initiator  bool    // this node started winding it down
	readEOF    bool    // the peer's stream was read to its end
	finAcked   bool    // the peer read this node's stream to its end
	wasCurrent bool    // it was in use, or in reserve, when the peer ended its stream
	waitFor    []*link // older links to drain before delivering from this one
}

func (t *QUICTransport) newLink(conn *quic.Conn, peer NodeID, dialed bool) *link {
	return &link{
		t: t, conn: conn, peer: peer, dialed: dialed,
		wake:     make(chan struct{}, 1),
		readDone: make(chan struct{}),
	}
}

// exchangeHellos sends this node's hello on a new stream and reads the
// peer's from the stream it opens, within ctx. On failure it refuses the
// connection: it reports why, counts it and closes the connection.
func (l *link) exchangeHellos(ctx context.Context) error {
	t := l.t
	refuse := func(reason RefusalReason, err error) error {
		t.refuse(newRefusal(l.conn.RemoteAddr(), l.peer, !l.dialed, reason, err))
		l.conn.CloseWithError(codeProtocol, reason.String())
		return err
	}
	send, err := l.conn.OpenUniStream()
	if err != nil {
		return refuse(RefusedHandshakeFailed, err)
	}
	own := hello{From: t.self, Boot: t.boot}
	if err := t.hellos.write(send, own); err != nil {
		return refuse(RefusedHandshakeFailed, err)
	}
	t.countHello(own, DirectionOut)
	recv, err := l.conn.AcceptUniStream(ctx)
	if err != nil {
		return refuse(RefusedBadHello, fmt.Errorf("%w: no stream from the peer: %w", ErrBadHello, err))
	}
	deadline, _ := ctx.Deadline()
	if err := recv.SetReadDeadline(deadline); err != nil {
		return refuse(RefusedHandshakeFailed, err)
	}
	h, err := t.hellos.read(recv)
	if err != nil {
		return refuse(RefusedBadHello, err)
	}
	if err := recv.SetReadDeadline(time.Time{}); err != nil {
		return refuse(RefusedHandshakeFailed, err)
	}
	t.countHello(h, DirectionIn)
	if h.From.ID != l.peer {
		return refuse(RefusedHelloMismatch, fmt.Errorf("%w: certificate binds %q, hello claims %q", ErrBadHello, l.peer, h.From.ID))
	}
	l.send, l.recv, l.addr, l.boot = send, recv, h.From.Addr, h.Boot
	return nil
}

// countHello counts a hello in the traffic statistics.
func (t *QUICTransport) countHello(h hello, d Direction) {
	if size, err := t.hellos.codec.EncodedSize(h); err == nil {
		t.stats.traffic(kindOf(h), d, size+FrameHeaderLen)
	}
}

// start runs the link's goroutines: one reads the stream and then waits
// for the connection to end, one reads datagrams, one writes.
func (l *link) start() {
	l.t.wg.Go(l.readLoop)
	l.t.wg.Go(l.datagramLoop)
	l.t.wg.Go(l.writeLoop)
}

// readLoop delivers the frames of the peer's stream, then waits for the
// connection to end and reports it.
func (l *link) readLoop() {
	t := l.t
	l.awaitOlderLinks()
	counted := &countingReader{r: l.recv}
	from := Peer{ID: l.peer, Addr: l.addr}
	ended := false
	for {
		before := counted.n
		m, err := t.codec.ReadFrame(counted)
		if errors.Is(err, io.EOF) {
			ended = true
			break
		}
		if err != nil {
			if isDecodeError(err) {
				t.stats.add(decodeErrors)
				if !errors.Is(err, ErrFrameTooLarge) && !errors.Is(err, ErrTruncated) {
					continue // the frame was consumed whole; the stream is still in step
				}
				l.conn.CloseWithError(codeProtocol, err.Error())
			}
			break
		}
		l.lastHeard.Store(time.Now().UnixNano())
		t.stats.traffic(kindOf(m), DirectionIn, counted.n-before)
		l.deliver(from, m)
	}
	close(l.readDone)
	if ended {
		t.mu.Lock()
		t.peerFinishedLocked(l)
		t.mu.Unlock()
	}
	<-l.conn.Context().Done()
	t.linkClosed(l, context.Cause(l.conn.Context()))
}

// awaitOlderLinks waits, for at most the handshake timeout, until the
// older links this one replaced have been read to their end.
func (l *link) awaitOlderLinks() {
	l.t.mu.Lock()
	older := l.waitFor
	l.waitFor = nil
	l.t.mu.Unlock()
	if len(older) == 0 {
		return
	}
	timeout := time.NewTimer(l.t.cfg.HandshakeTimeout)
	defer timeout.Stop()
	for _, o := range older {
		select {
		case <-o.readDone:
		case <-timeout.C:
			return
		case <-l.conn.Context().Done():
			return
		}
	}
}

// datagramLoop delivers the messages that arrive as datagrams. An empty
// datagram is a keep-alive.
func (l *link) datagramLoop() {
	t := l.t
	from := Peer{ID: l.peer, Addr: l.addr}
	for {
		data, err := l.conn.ReceiveDatagram(l.conn.Context())
		if err != nil {
			return
		}
		l.lastHeard.Store(time.Now().UnixNano())
		if len(data) == 0 {
			continue
		}
		m, err := t.codec.Unmarshal(data)
		if err != nil {
			t.stats.add(decodeErrors)
			continue
		}
		t.stats.traffic(kindOf(m), DirectionIn, len(data))
		l.deliver(from, m)
	}
}

// deliver hands a received message to the runtime, unless its peer has
// spent its MaxPeerMessagesPerSecond: the message is then dropped and
// counted, and the reader goes on at once.
func (l *link) deliver(from Peer, m Message) {
	t := l.t
	if !l.limiter.take(time.Now()) {
		t.stats.add(rateLimited)
		return
	}
	if !t.events.deliver(Received{From: from, Msg: m}) {
		t.stats.add(eventsDropped)
	}
}

// writeLoop sends the peer's queued messages while the link is current.
// Once the link is retired it ends the stream and waits for the peer to
// have read it all.
//
// It also keeps the link's lifetime. While the peer is kept, it sends a
// keep-alive (an empty datagram) whenever nothing went out for a third of
// IdleTimeout, so the link stays up as long as the peer lives, and QUIC's
// idle timeout means the peer is gone. While the peer is not kept, it
// winds the link down once nothing went either way for half of IdleTimeout
// (keep-alives from a peer that keeps this node count), before QUIC's
// timeout could cut it with data in flight.
func (l *link) writeLoop() {
	t := l.t
	keepaliveAfter, idleAfter := t.cfg.IdleTimeout/3, t.cfg.IdleTimeout/2
	tick := time.NewTicker(t.cfg.IdleTimeout / 6)
	defer tick.Stop()
	lastSent := time.Now()
	l.lastHeard.Store(lastSent.UnixNano())
	for {
		t.mu.Lock()
		ps := t.peers[l.peer]
		var m outMsg
		var ok, kept bool
		if l.state == linkCurrent && ps != nil {
			m, ok = ps.queue.pop()
			kept = ps.keep
			if !ok && t.closing {
				t.retireLocked(l, true) // flushed: wind down
			}
		}
		state := l.state
		t.mu.Unlock()
		if state == linkRetired {
			l.finish()
			return
		}
		if state == linkAbandoned {
			return
		}
		if ok {
			if err := l.write(m); err != nil {
				t.stats.undeliverable([]outMsg{m})
				l.conn.CloseWithError(codeProtocol, "write failed")
				return
			}
			lastSent = time.Now()
			continue
		}
		select {
		case <-l.wake:
		case now := <-tick.C:
			switch {
			case state != linkCurrent:
			case kept && now.Sub(lastSent) >= keepaliveAfter:
				if l.conn.SendDatagram(nil) == nil {
					lastSent = now
				}
			case !kept && now.Sub(lastSent) >= idleAfter && now.Sub(time.Unix(0, l.lastHeard.Load())) >= idleAfter:
				t.mu.Lock()
				// The peer's state may have gone since the top of the loop
				// (or never been there): nothing then keeps the link.
				ps := t.peers[l.peer]
				if l.state == linkCurrent && (ps == nil || !ps.keep && ps.queue.len() == 0) {
					t.retireLocked(l, true)
				}
				t.mu.Unlock()
			}
		case <-l.conn.Context().Done():
			return
		}
	}
}

// write sends one message: as a datagram if its class asks for one and it
// fits, on the stream otherwise.
func (l *link) write(m outMsg) error {
	t := l.t
	if m.class.Datagram && l.conn.ConnectionState().SupportsDatagrams.Remote {
		err := l.conn.SendDatagram(m.envelope)
		if err == nil {
			t.stats.add(datagramsSent)
			t.stats.traffic(m.kind, DirectionOut, len(m.envelope))
			return nil
		}
		var tooLarge *quic.DatagramTooLargeError
		if !errors.As(err, &tooLarge) {
			return err
		}
		t.stats.add(datagramFallbacks)
	}
	if err := writeEnvelopeFrame(l.send, m.envelope); err != nil {
		return err
	}
	t.stats.traffic(m.kind, DirectionOut, FrameHeaderLen+len(m.envelope))
	return nil
}

// finish ends this node's stream and waits until the peer has read it to
// its end, which QUIC tells by letting this node open another stream: the
// peer allows one at a time and grants the next only once the first is
// consumed. The new stream is never used.
func (l *link) finish() {
	if err := l.send.Close(); err != nil {
		return
	}
	if _, err := l.conn.OpenUniStreamSync(l.conn.Context()); err != nil {
		return
	}
	l.t.mu.Lock()
	l.t.finAckedLocked(l)
	l.t.mu.Unlock()
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
