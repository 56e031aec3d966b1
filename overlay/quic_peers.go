package overlay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"
)

// peerState is what the transport knows of one peer. It exists while the
// peer has a connection, a dial, queued messages or Keep; all of its fields
// are guarded by QUICTransport.mu.
type peerState struct {
	id    NodeID
	addr  string // where to dial: the latest address given or advertised
	queue sendQueue
	keep  bool
	// limiter admits the messages received from the peer, on all its
	// links; made when its first link is established.
	limiter *tokenBucket
	// current is the connection messages go out on. standby is a
	// connection the peer dialed while this node, whose own dial will win
	// the tie-break, is still dialing: it is used only if that dial fails.
	current *link
	standby *link
	links   []*link // every established connection, oldest first
	dialing bool
	// awaitingPeer is set while this node waits for the peer to connect:
	// the peer ended the stream of the connection in use, which this node
	// had dialed, because the peer's own connection wins the tie-break.
	// Dialing again would only start another race; awaitingPeer ends
	// when the peer's connection comes up or after the handshake timeout.
	awaitingPeer *time.Timer
}

func (ps *peerState) stopAwaitingPeer() {
	if ps.awaitingPeer != nil {
		ps.awaitingPeer.Stop()
		ps.awaitingPeer = nil
	}
}

// peerFor returns the state of p, created if need be, with p's address
// noted.
func (t *QUICTransport) peerFor(p Peer) *peerState {
	ps := t.peers[p.ID]
	if ps == nil {
		ps = &peerState{id: p.ID}
		t.peers[p.ID] = ps
	}
	if p.Addr != "" {
		ps.addr = p.Addr
	}
	return ps
}

// forgetIfUnusedLocked drops the state of a peer that has nothing left.
func (t *QUICTransport) forgetIfUnusedLocked(ps *peerState) {
	if len(ps.links) == 0 && !ps.dialing && ps.awaitingPeer == nil && !ps.keep && ps.queue.len() == 0 && t.peers[ps.id] == ps {
		delete(t.peers, ps.id)
	}
}

// ensureLinkLocked dials ps unless a connection or a dial exists. It
// returns the failure to report when no dial can start.
func (t *QUICTransport) ensureLinkLocked(ps *peerState) []TransportEvent {
	if ps.current != nil || ps.standby != nil || ps.dialing || ps.awaitingPeer != nil || t.closing {
		return nil
	}
	if ps.addr == "" {
		return t.failPeerLocked(ps, ErrNoAddress)
	}
	if err := t.takeSlotLocked(); err != nil {
		t.stats.add(dialFailures)
		return t.failPeerLocked(ps, fmt.Errorf("%w: %w", ErrDialFailed, err))
	}
	ps.dialing = true
	addr := ps.addr
	t.stats.add(dials)
	t.wg.Go(func() { t.dial(ps, addr) })
	return nil
}

// failPeerLocked discards the messages queued for ps and returns the
// PeerFailed to report.
func (t *QUICTransport) failPeerLocked(ps *peerState, err error) []TransportEvent {
	t.stats.undeliverable(ps.queue.clear())
	t.forgetIfUnusedLocked(ps)
	return []TransportEvent{PeerFailed{ID: ps.id, Err: err}}
}

// dial connects to ps at addr, holding the slot ensureLinkLocked took.
func (t *QUICTransport) dial(ps *peerState, addr string) {
	l, err := t.connect(ps.id, addr)
	if err != nil {
		t.releaseSlot()
		t.stats.add(dialFailures)
	}
	t.mu.Lock()
	ps.dialing = false
	var failed []TransportEvent
	switch {
	case err == nil:
		failed = t.establishLocked(ps, l)
	case ps.standby != nil:
		t.makeCurrentLocked(ps, ps.standby)
	case ps.current == nil && !t.closing:
		failed = t.failPeerLocked(ps, fmt.Errorf("%w: %s at %s: %w", ErrDialFailed, ps.id, addr, err))
	default:
		if t.closing {
			t.stats.undeliverable(ps.queue.clear())
		}
		t.forgetIfUnusedLocked(ps)
	}
	t.mu.Unlock()
	signal(t.changed)
	if err == nil {
		l.start()
	}
	t.notify(failed)
}

// connect dials id at addr and exchanges hellos. Once it succeeds, the
// slot the caller holds is given back when the connection ends; if it
// fails, the caller gives the slot back. An empty id accepts whichever node
// the cluster CA vouches for at addr, as a join through a seed known only by
// its address does.
func (t *QUICTransport) connect(id NodeID, addr string) (*link, error) {
	return t.connectWithin(t.ctx, id, addr)
}

// connectWithin is connect, giving up when ctx ends too.
func (t *QUICTransport) connectWithin(ctx context.Context, id NodeID, addr string) (*link, error) {
	ctx, cancel := context.WithTimeout(ctx, t.cfg.HandshakeTimeout)
	defer cancel()
	stop := context.AfterFunc(t.ctx, cancel) // Close ends every dial
	defer stop()
	udpAddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	var refused atomic.Bool
	conn, err := t.qtr.Dial(ctx, udpAddr, t.clientTLS(id, udpAddr, &refused), t.qconf)
	if err != nil {
		if reason := handshakeRefusalReason(err); !refused.Load() && reason == RefusedByPeer {
			t.refuse(newRefusal(udpAddr, id, false, reason, err))
		}
		return nil, err
	}
	if id == "" {
		// verifyPeer accepted the certificate, so it binds a name.
		id, _ = NodeNameOf(conn.ConnectionState().TLS.PeerCertificates[0])
	}
	l := t.newLink(conn, id, true)
	if err := l.exchangeHellos(ctx); err != nil {
		return nil, err
	}
	context.AfterFunc(conn.Context(), t.releaseSlot)
	return l, nil
}

// Identify dials addr, whoever is there, and returns the peer the cluster
// CA vouches for at that address, as its hello advertises it. The
// connection stays, as one this node dialed to that peer: the join that
// usually follows goes out on it.
func (t *QUICTransport) Identify(ctx context.Context, addr string) (Peer, error) {
	if t.isClosing() {
		return Peer{}, ErrTransportClosed
	}
	if err := t.takeSlot(); err != nil {
		return Peer{}, fmt.Errorf("%w: %w", ErrDialFailed, err)
	}
	t.stats.add(dials)
	l, err := t.connectWithin(ctx, "", addr)
	if err != nil {
		t.releaseSlot()
		t.stats.add(dialFailures)
		return Peer{}, fmt.Errorf("%w: %s: %w", ErrDialFailed, addr, err)
	}
	peer := Peer{ID: l.peer, Addr: l.addr}
	t.mu.Lock()
	ps := t.peerFor(peer)
	failed := t.establishLocked(ps, l)
	t.mu.Unlock()
	signal(t.changed)
	l.start()
	t.notify(failed)
	return peer, nil
}

// serveInbound finishes setting up a connection the peer dialed: its
// certificate was verified during the handshake; the hellos remain.
func (t *QUICTransport) serveInbound(conn *quic.Conn) {
	att, _ := conn.Context().Value(inboundAttemptKey{}).(*inboundAttempt)
	certs := conn.ConnectionState().TLS.PeerCertificates
	if att == nil || len(certs) == 0 {
		conn.CloseWithError(codeProtocol, "no attempt record")
		return
	}
	name, err := NodeNameOf(certs[0]) // verified in VerifyConnection
	if err != nil {
		conn.CloseWithError(codeProtocol, "no node name")
		return
	}
	ctx, cancel := context.WithTimeout(t.ctx, t.cfg.HandshakeTimeout)
	defer cancel()
	l := t.newLink(conn, name, false)
	if err := l.exchangeHellos(ctx); err != nil {
		att.refused.Store(true) // exchangeHellos reported it
		return
	}
	att.established.Store(true)
	t.mu.Lock()
	ps := t.peerFor(Peer{ID: name})
	failed := t.establishLocked(ps, l)
	t.mu.Unlock()
	l.start()
	t.notify(failed)
}

// establishLocked records l, whose hellos were accepted, and decides its
// role. The caller starts l's goroutines once the lock is released.
func (t *QUICTransport) establishLocked(ps *peerState, l *link) []TransportEvent {
	t.nextSeq++
	l.seq = t.nextSeq
	if ps.limiter == nil {
		ps.limiter = newTokenBucket(t.cfg.MaxPeerMessagesPerSecond, time.Now())
	}
	l.limiter = ps.limiter
	if l.addr != "" {
		ps.addr = l.addr
	}
	ps.links = append(ps.links, l)
	if t.closing && ps.queue.len() == 0 {
		t.retireLocked(l, true)
		return nil
	}
	return t.adoptLocked(ps, l)
}

// adoptLocked decides whether l becomes the connection in use to ps.
func (t *QUICTransport) adoptLocked(ps *peerState, l *link) []TransportEvent {
	cur := ps.current
	if cur == nil {
		cur = ps.standby
	}
	switch {
	case cur == nil:
		if !l.dialed && ps.dialing && t.self.ID < ps.id {
			// This node's own dial will win the tie-break; keep l in
			// reserve instead of sending on a connection about to lose.
			ps.standby = l
			l.state = linkStandby
			return nil
		}
		t.makeCurrentLocked(ps, l)
	case l.boot != cur.boot:
		var failed []TransportEvent
		if ps.keep && ps.current != nil {
			failed = t.failPeerLocked(ps, fmt.Errorf("%w: %s", ErrPeerRestarted, ps.id))
		}
		for _, old := range ps.links {
			if old != l && old.boot != l.boot {
				t.abandonLocked(old, codeStale)
			}
		}
		t.makeCurrentLocked(ps, l)
		return failed
	case t.prefers(l, cur):
		t.retireLocked(cur, true)
		t.makeCurrentLocked(ps, l)
	default:
		t.retireLocked(l, true)
	}
	return nil
}

// prefers reports whether l should replace cur, another connection to the
// same process. Both ends reach the same verdict: the connection dialed by
// the node with the smaller name wins, and of two dialed by the same node
// the newer, since its dialer has given up the older.
func (t *QUICTransport) prefers(l, cur *link) bool {
	dialer := func(x *link) NodeID {
		if x.dialed {
			return t.self.ID
		}
		return x.peer
	}
	if dialer(l) == dialer(cur) {
		return l.seq > cur.seq
	}
	return dialer(l) < dialer(cur)
}

// makeCurrentLocked puts l in use for ps. l's reader first waits for the
// older connections still being read, which may hold messages the peer
// sent before it switched to l.
func (t *QUICTransport) makeCurrentLocked(ps *peerState, l *link) {
	if ps.standby == l {
		ps.standby = nil
	}
	ps.stopAwaitingPeer()
	ps.current = l
	l.state = linkCurrent
	l.waitFor = nil
	for _, o := range ps.links {
		o.wasCurrent = false // l, not o, now carries the peer
		if o != l && o.seq < l.seq {
			l.waitFor = append(l.waitFor, o)
		}
	}
	signal(l.wake)
}

// retireLocked stops using l: its writer ends its stream, and l closes once
// both streams are consumed. initiator says this node decided it, rather
// than following the peer, which ended its stream first; the initiator
// closes the connection, so its reason is the one the peer sees.
func (t *QUICTransport) retireLocked(l *link, initiator bool) {
	if l.state == linkRetired || l.state == linkAbandoned {
		return
	}
	ps := t.peers[l.peer]
	if ps != nil && ps.current == l {
		ps.current = nil
	}
	if ps != nil && ps.standby == l {
		ps.standby = nil
	}
	l.state = linkRetired
	l.initiator = initiator
	signal(l.wake)
}

// abandonLocked closes l at once with code.
func (t *QUICTransport) abandonLocked(l *link, code quic.ApplicationErrorCode) {
	t.retireLocked(l, true)
	l.state = linkAbandoned
	t.wg.Go(func() { l.conn.CloseWithError(code, "") })
}

// peerFinishedLocked handles the end of the peer's stream on l: the peer
// wound l down, and this node follows.
func (t *QUICTransport) peerFinishedLocked(l *link) {
	l.readEOF = true
	ps := t.peers[l.peer]
	if ps != nil && ps.standby == l {
		l.wasCurrent = true
	}
	if ps != nil && ps.current == l {
		l.wasCurrent = true
		if l.dialed && t.self.ID > ps.id && !t.closing {
			ps.stopAwaitingPeer()
			var timer *time.Timer
			timer = time.AfterFunc(t.cfg.HandshakeTimeout, func() { t.awaitingPeerTimedOut(ps, timer) })
			ps.awaitingPeer = timer
		}
	}
	t.retireLocked(l, false)
	t.maybeCloseDoneLocked(l)
}

// awaitingPeerTimedOut ends the wait for ps to connect, if timer is still
// the one that times it, and dials ps if need be.
func (t *QUICTransport) awaitingPeerTimedOut(ps *peerState, timer *time.Timer) {
	t.mu.Lock()
	var failed []TransportEvent
	if ps.awaitingPeer == timer {
		ps.awaitingPeer = nil
		if ps.queue.len() > 0 || ps.keep {
			failed = t.ensureLinkLocked(ps)
		}
		t.forgetIfUnusedLocked(ps)
	}
	t.mu.Unlock()
	t.notify(failed)
}

// finAckedLocked records that the peer has read l's stream to its end.
func (t *QUICTransport) finAckedLocked(l *link) {
	l.finAcked = true
	t.maybeCloseDoneLocked(l)
}

// maybeCloseDoneLocked closes l once both its streams are consumed, if
// this node started winding it down.
func (t *QUICTransport) maybeCloseDoneLocked(l *link) {
	if !l.readEOF || !l.finAcked || !l.initiator || l.state == linkAbandoned {
		return
	}
	code := codeDone
	if t.closing {
		code = codeShutdown
	}
	t.abandonLocked(l, code)
}

// linkClosed handles the end of l's connection, for whatever cause.
func (t *QUICTransport) linkClosed(l *link, cause error) {
	t.mu.Lock()
	ps := t.peers[l.peer]
	if ps == nil {
		t.mu.Unlock()
		return
	}
	ps.links = slices.DeleteFunc(ps.links, func(x *link) bool { return x == l })
	inUse := ps.current == l || ps.standby == l || (l.wasCurrent && ps.current == nil)
	if ps.current == l {
		ps.current = nil
	}
	if ps.standby == l {
		ps.standby = nil
	}
	deliberate := l.state == linkAbandoned || t.closing
	// Both streams ended before the close: nothing was lost either way.
	graceful := l.readEOF && l.state == linkRetired
	var failed []TransportEvent
	switch {
	case inUse && !deliberate && !t.benignClose(cause) && (ps.keep || ps.queue.len() > 0 || !graceful):
		failed = t.failPeerLocked(ps, fmt.Errorf("%w: %s: %w", ErrConnectionLost, ps.id, cause))
	case ps.queue.len() > 0 || ps.keep && inUse:
		failed = t.ensureLinkLocked(ps)
	}
	t.forgetIfUnusedLocked(ps)
	t.mu.Unlock()
	signal(t.changed) // Close may be waiting for the last connection
	t.notify(failed)
}

// benignClose reports whether a connection that ended by cause, from the
// peer or the network, lost nothing worth reporting: the peer wound it down
// after moving to another connection. A QUIC idle timeout is never benign:
// idle links are wound down before it strikes, so it means the peer went
// silent.
func (t *QUICTransport) benignClose(cause error) bool {
	var appErr *quic.ApplicationError
	return errors.As(cause, &appErr) && appErr.Remote && appErr.ErrorCode == codeDone
}
