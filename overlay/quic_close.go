package overlay

import (
	"context"
	"errors"
	"fmt"
)

// Close stops the transport within ctx. It stops accepting connections and
// messages, sends what is queued on the connections in use (messages for
// peers still being dialed are dropped and counted), winds every connection
// down so that the peers have read everything before it closes, and then
// closes the socket if the transport opened it, and the Events channel.
// When ctx ends first, the connections left are closed at once, and the
// error wraps ctx's. A second Close returns [ErrTransportClosed].
func (t *QUICTransport) Close(ctx context.Context) error {
	t.mu.Lock()
	if t.closing {
		t.mu.Unlock()
		return ErrTransportClosed
	}
	t.closing = true
	for _, ps := range t.peers {
		ps.stopAwaitingPeer()
		if ps.current == nil && !ps.dialing {
			t.stats.undeliverable(ps.queue.clear())
		}
		if ps.standby != nil {
			t.retireLocked(ps.standby, true)
		}
		if ps.current != nil {
			signal(ps.current.wake) // its writer flushes the queue, then winds down
		}
	}
	t.mu.Unlock()
	t.events.startClosing()
	errs := []error{t.ln.Close()}

	flushed := t.awaitConnectionsClosed(ctx)
	t.cancel()
	t.mu.Lock()
	var left []*link
	for _, ps := range t.peers {
		for _, l := range ps.links {
			if l.state != linkAbandoned {
				l.state = linkAbandoned
				left = append(left, l)
			}
		}
		t.stats.undeliverable(ps.queue.clear())
	}
	t.mu.Unlock()
	for _, l := range left {
		errs = append(errs, l.conn.CloseWithError(codeShutdown, ""))
	}
	t.wg.Wait()
	errs = append(errs, t.qtr.Close())
	if t.ownsConn {
		errs = append(errs, t.conn.Close())
	}
	t.events.close()
	if !flushed {
		errs = append(errs, fmt.Errorf("overlay: close: %d connections closed before they were flushed: %w", len(left), ctx.Err()))
	}
	return errors.Join(errs...)
}

// awaitConnectionsClosed waits until every established connection has
// closed, or ctx ends, and reports which came first. Handshakes still under
// way, inbound or dialed, are not waited for: a peer that is gone would
// hold Close for the whole handshake timeout, as happens when a cluster
// leaves all at once.
func (t *QUICTransport) awaitConnectionsClosed(ctx context.Context) bool {
	for {
		if ctx.Err() != nil {
			return false
		}
		if !t.anyLeftToFlush() {
			return true
		}
		select {
		case <-t.changed:
		case <-ctx.Done():
			return false
		}
	}
}

// anyLeftToFlush reports whether a connection is still established.
func (t *QUICTransport) anyLeftToFlush() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, ps := range t.peers {
		if len(ps.links) > 0 {
			return true
		}
	}
	return false
}
