package overlay

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
)

// Errors a [PeerFailed] from a QUICTransport wraps, besides [ErrRefused]
// and the errors of quic-go.
var (
	// ErrConnectionLost: the connection in use to the peer ended.
	ErrConnectionLost = errors.New("overlay: connection lost")
	// ErrDialFailed: no connection to the peer could be made.
	ErrDialFailed = errors.New("overlay: dial failed")
	// ErrNoAddress: a message is queued for a peer this node has no
	// address for and no connection to.
	ErrNoAddress = errors.New("overlay: no address for peer")
	// ErrTooManyConnections: Config.MaxConnections connections are open.
	ErrTooManyConnections = errors.New("overlay: too many connections")
	// ErrTooManyFromAddress: Config.MaxConnectionsPerAddress inbound
	// connections from the peer's IP address are open.
	ErrTooManyFromAddress = errors.New("overlay: too many connections from one address")
	// ErrHandshakeRate: inbound handshakes come faster than
	// Config.MaxHandshakesPerSecond.
	ErrHandshakeRate = errors.New("overlay: too many handshakes per second")
	// ErrPeerRestarted: the peer connected from a new process; what was
	// queued for the old one is gone with it.
	ErrPeerRestarted = errors.New("overlay: peer restarted")
	// ErrTransportClosed is returned by a second Close.
	ErrTransportClosed = errors.New("overlay: transport closed")
)

// QUIC application error codes that close a connection.
const (
	// codeDone: both sides finished their streams and read the other's to
	// its end; nothing is lost.
	codeDone quic.ApplicationErrorCode = 0
	// codeShutdown: the transport is closing.
	codeShutdown quic.ApplicationErrorCode = 1
	// codeStale: a connection from the peer's new process replaced it.
	codeStale quic.ApplicationErrorCode = 2
	// codeProtocol: the peer broke the framing or its hello.
	codeProtocol quic.ApplicationErrorCode = 3
)

// QUICTransport is the [Transport] of the daemon: QUIC over one UDP
// socket, which serves both the connections it accepts and those it dials,
// with mutual TLS against the cluster CA.
//
// # Connections
//
// Each connection carries one unidirectional stream each way. The first
// frame on each is a hello: the sender's node name, which must be the one
// its certificate binds, or the connection is refused; its advertised
// address; and a number drawn at startup that tells a restarted peer from
// the old one. Messages follow as frames, in order, highest priority
// first; a message whose class asks for a datagram travels as a QUIC
// datagram (RFC 9221) when it fits in one, on the stream otherwise.
//
// A pair of nodes uses one connection. When both dial at once, the
// connection dialed by the node with the smaller name wins on both sides;
// the other is wound down without losing what was already on it: each side
// ends its stream, the side that started the winding down closes the
// connection once it has read the other's stream to its end and the other
// has read its stream to the end (it learns that when the peer grants it
// a new stream, which QUIC does only once the old one is consumed), and
// the receiver delivers nothing from the winner until the loser's stream
// is drained, so messages stay in order.
//
// A connection to a peer marked with Keep sends keep-alives, so it stays
// open while the peer lives, and its loss is reported. Any other
// connection is dialed when a message is queued and wound down once
// nothing went either way for half of IdleTimeout; QUIC's own idle
// timeout, a full IdleTimeout, then means that the peer went silent.
//
// # Failures
//
// A [PeerFailed] is reported when a dial fails, and when the connection in
// use to a peer ends other than by winding down, unless the peer was not
// kept, nothing was queued for it, and both streams had ended, so that
// nothing was lost. Either way the messages queued for the peer are
// discarded and counted; the next Send dials again.
type QUICTransport struct {
	cfg    Config
	codec  *Codec
	hellos helloCodec
	self   Peer
	boot   uint64

	conn     net.PacketConn
	ownsConn bool
	qtr      *quic.Transport
	ln       *quic.Listener
	qconf    *quic.Config

	events *eventQueue
	stats  *counters
	// handshakes admits inbound handshakes; reports, calls of OnRefused.
	handshakes *tokenBucket
	reports    *tokenBucket
	// ctx ends when Close gives up on flushing; dials and handshakes
	// derive from it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	peers map[NodeID]*peerState
	open  int // connections holding a slot against MaxConnections
	// inbound counts the inbound connections open from each IP address,
	// against MaxConnectionsPerAddress.
	inbound map[netip.Addr]int
	closing bool // Close has begun
	nextSeq uint64
	// changed is signalled when a connection ends or a dial returns, for
	// Close to re-check whether it is done.
	changed chan struct{}
}

var _ Transport = (*QUICTransport)(nil)

// NewQUICTransport starts a transport on conn, which it uses for every
// connection from now on; the caller must not read from or write to conn
// any more, and closes it after Close. conn may be a UDP socket or any
// net.PacketConn, such as an emulated network's.
func NewQUICTransport(conn net.PacketConn, cfg Config) (*QUICTransport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	codec, err := NewCodec(cfg.Limits, cfg.Registry)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	advertise := cfg.Advertise
	if advertise == "" {
		advertise, err = defaultAdvertise(conn.LocalAddr())
		if err != nil {
			return nil, err
		}
	}
	var bootBytes [8]byte
	if _, err := rand.Read(bootBytes[:]); err != nil {
		return nil, fmt.Errorf("overlay: draw boot number: %w", err)
	}
	t := &QUICTransport{
		cfg:    cfg,
		codec:  codec,
		hellos: newHelloCodec(),
		self:   Peer{ID: cfg.Identity.Name(), Addr: advertise},
		boot:   binary.BigEndian.Uint64(bootBytes[:]) | 1, // never zero
		conn:   conn,
		qconf: &quic.Config{
			HandshakeIdleTimeout: cfg.HandshakeTimeout,
			MaxIdleTimeout:       cfg.IdleTimeout,
			// One stream each way per connection; a limit of one
			// also tells a sender when its ended stream was consumed.
			MaxIncomingStreams:    -1,
			MaxIncomingUniStreams: 1,
			EnableDatagrams:       true,
		},
		events:     newEventQueue(cfg.EventBuffer),
		stats:      newCounters(),
		handshakes: newTokenBucket(cfg.MaxHandshakesPerSecond, time.Now()),
		reports:    newTokenBucket(RefusalReportsPerSecond, time.Now()),
		peers:      make(map[NodeID]*peerState),
		inbound:    make(map[netip.Addr]int),
		changed:    make(chan struct{}, 1),
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.qtr = &quic.Transport{
		Conn:        conn,
		ConnContext: t.connContext,
		// Under a burst of handshakes, new peers prove their address
		// before they cost any state (see MaxHandshakesPerSecond).
		VerifySourceAddress: t.demandRetry,
		// Every node speaks the one QUIC version its build has, and the
		// ALPN names the wire version, so a Version Negotiation packet
		// would only reflect garbage at a spoofed source.
		DisableVersionNegotiationPackets: true,
		Tracer:                           dropCounter{t.stats},
	}
	t.ln, err = t.qtr.Listen(t.serverTLS(), t.qconf)
	if err != nil {
		t.cancel()
		return nil, errors.Join(fmt.Errorf("overlay: listen: %w", err), t.qtr.Close())
	}
	go t.events.pump() // stopped by events.close, after every other goroutine
	t.wg.Go(t.acceptLoop)
	t.wg.Go(t.discardNonQUIC)
	return t, nil
}

// ListenQUICTransport binds a UDP socket to addr (host:port) and starts a
// transport on it, as [NewQUICTransport] does; Close closes the socket.
func ListenQUICTransport(addr string, cfg Config) (*QUICTransport, error) {
	udpAddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("overlay: listen on %q: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", udpAddr)
	if err != nil {
		return nil, fmt.Errorf("overlay: listen on %q: %w", addr, err)
	}
	t, err := NewQUICTransport(conn, cfg)
	if err != nil {
		return nil, errors.Join(err, conn.Close())
	}
	t.ownsConn = true
	return t, nil
}

// defaultAdvertise returns the address to advertise when Config.Advertise
// is empty: the socket's, unless peers could not dial it.
func defaultAdvertise(local net.Addr) (string, error) {
	if udp, ok := local.(*net.UDPAddr); ok && (udp.IP == nil || udp.IP.IsUnspecified()) {
		return "", fmt.Errorf("%w: the socket is bound to %s, which peers cannot dial; set Advertise", ErrInvalidConfig, udp)
	}
	return local.String(), nil
}

// Self returns this node's name and advertised address.
func (t *QUICTransport) Self() Peer { return t.self }

// Events returns the channel of received messages and failure notices. It
// is closed when Close returns.
func (t *QUICTransport) Events() <-chan TransportEvent { return t.events.out }

// LocalAddr returns the address of the socket.
func (t *QUICTransport) LocalAddr() net.Addr { return t.conn.LocalAddr() }

// Send queues msg for to and returns at once; see [Transport.Send]. If no
// connection to the peer is in use, one is dialed at to.Addr, or at the
// address the peer last advertised when to.Addr is empty. A message to
// this node itself or to an empty ID is dropped and counted as
// undeliverable.
func (t *QUICTransport) Send(to Peer, msg Message) {
	env, err := t.codec.Marshal(msg)
	if err != nil {
		t.stats.add(encodeErrors)
		return
	}
	m := outMsg{envelope: env, kind: kindOf(msg), class: t.cfg.Classifier(msg)}
	if to.ID == "" || to.ID == t.self.ID {
		t.stats.undeliverable([]outMsg{m})
		return
	}
	t.mu.Lock()
	if t.closing {
		t.mu.Unlock()
		t.stats.undeliverable([]outMsg{m})
		return
	}
	ps := t.peerFor(to)
	dropped := ps.queue.push(m, t.cfg.MaxQueueMessages, t.cfg.MaxQueueBytes)
	var failed []TransportEvent
	if ps.current != nil {
		signal(ps.current.wake)
	} else {
		failed = t.ensureLinkLocked(ps)
	}
	t.mu.Unlock()
	t.stats.queueDrops(dropped)
	t.notify(failed)
}

// Keep marks p as an active peer: its connection is dialed now if there
// is none, sends keep-alives, and its loss is reported.
func (t *QUICTransport) Keep(p Peer) {
	if p.ID == "" || p.ID == t.self.ID {
		return
	}
	t.mu.Lock()
	if t.closing {
		t.mu.Unlock()
		return
	}
	ps := t.peerFor(p)
	ps.keep = true
	failed := t.ensureLinkLocked(ps)
	t.mu.Unlock()
	t.notify(failed)
}

// Release ends Keep for id: its connection closes once idle.
func (t *QUICTransport) Release(id NodeID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ps := t.peers[id]; ps != nil {
		ps.keep = false
		t.forgetIfUnusedLocked(ps)
	}
}

// Stats returns a snapshot of the transport's counters and gauges.
func (t *QUICTransport) Stats() Stats {
	s := t.stats.snapshot()
	t.mu.Lock()
	defer t.mu.Unlock()
	s.ConnectionsOpen = t.open
	for _, ps := range t.peers {
		if ps.current != nil {
			s.PeersConnected++
		}
		if ps.keep {
			s.PeersKept++
		}
	}
	return s
}

// notify queues events for the runtime, unless the transport is closing.
func (t *QUICTransport) notify(evs []TransportEvent) {
	if len(evs) == 0 || t.isClosing() {
		return
	}
	for _, ev := range evs {
		t.events.notify(ev)
	}
}

func (t *QUICTransport) isClosing() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closing
}

// takeSlot reserves a connection against MaxConnections.
func (t *QUICTransport) takeSlot() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.takeSlotLocked()
}

func (t *QUICTransport) takeSlotLocked() error {
	switch {
	case t.closing:
		return ErrTransportClosed
	case t.open >= t.cfg.MaxConnections:
		return fmt.Errorf("%w: %d open", ErrTooManyConnections, t.open)
	}
	t.open++
	return nil
}

// releaseSlot gives back a slot that takeSlot reserved.
func (t *QUICTransport) releaseSlot() {
	t.mu.Lock()
	t.open--
	t.mu.Unlock()
	signal(t.changed)
}

// acceptLoop hands each accepted connection to a goroutine of its own.
func (t *QUICTransport) acceptLoop() {
	for {
		conn, err := t.ln.Accept(t.ctx)
		if err != nil {
			return
		}
		t.wg.Go(func() { t.serveInbound(conn) })
	}
}
