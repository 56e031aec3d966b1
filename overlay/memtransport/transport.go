package memtransport

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/overlayd/overlayd/overlay"
)

// Transport is one node's attachment to a Network. It implements
// overlay.Transport and overlay.StatsReporter.
type Transport struct {
	net  *Network
	self overlay.Peer
	// events is unbuffered: a delivery counts as taken when the reader
	// has received it.
	events chan overlay.TransportEvent
	wake   chan struct{}
	closed chan struct{}

	// The fields below are guarded by net.mu.
	detached bool
	// inbox holds one queue per sender; failures the notices to give.
	// Each entry has an arrival number, and the reader gets them in that
	// order.
	inbox    map[*Transport]*linkQueue
	failures []failure
	failing  map[overlay.NodeID]bool
	arrivals uint64
	kept     map[overlay.NodeID]overlay.Peer

	stats     overlay.Stats
	delivered uint64
}

var (
	_ overlay.Transport     = (*Transport)(nil)
	_ overlay.StatsReporter = (*Transport)(nil)
)

func newTransport(n *Network, self overlay.Peer) *Transport {
	return &Transport{
		net:     n,
		self:    self,
		events:  make(chan overlay.TransportEvent),
		wake:    make(chan struct{}, 1),
		closed:  make(chan struct{}),
		inbox:   make(map[*Transport]*linkQueue),
		failing: make(map[overlay.NodeID]bool),
		kept:    make(map[overlay.NodeID]overlay.Peer),
		stats: overlay.Stats{
			Traffic:    make(map[overlay.TrafficKey]overlay.Traffic),
			QueueDrops: make(map[overlay.Priority]uint64),
			Refused:    make(map[overlay.RefusalReason]uint64),
		},
	}
}

// Self returns the identity the transport was attached with.
func (t *Transport) Self() overlay.Peer { return t.self }

// Events delivers received messages and failure notices; it is closed
// once the transport is closed or crashed.
func (t *Transport) Events() <-chan overlay.TransportEvent { return t.events }

// Send queues msg for to, after the link's latency, or reports to as
// failed. It never blocks.
func (t *Transport) Send(to overlay.Peer, msg overlay.Message) {
	n := t.net
	frame, err := n.cfg.Codec.Marshal(msg)
	n.mu.Lock()
	if t.detached {
		n.mu.Unlock()
		return
	}
	if err != nil {
		t.stats.EncodeErrors++
		n.mu.Unlock()
		return
	}
	t.count(msg.Protocol(), msg.Type(), overlay.DirectionOut, len(frame))
	dst, err := n.route(t, to)
	if err != nil {
		t.fail(to.ID)
		n.mu.Unlock()
		return
	}
	class := n.cfg.Classifier(msg)
	link := n.link(t.self.Addr, to.Addr)
	if class.Datagram && link.Loss > 0 && n.rng.Float64() < link.Loss {
		n.mu.Unlock()
		return
	}
	m := queued{from: t, priority: class.Priority, frame: frame}
	if link.Latency == 0 {
		dst.enqueue(m)
		n.mu.Unlock()
		return
	}
	n.mu.Unlock()
	n.cfg.AfterFunc(link.Latency, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		dst.enqueue(m)
	})
}

// Keep marks p as a peer with a long-lived connection, whose loss is
// reported; an unreachable p is reported at once.
func (t *Transport) Keep(p overlay.Peer) {
	n := t.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if t.detached {
		return
	}
	t.kept[p.ID] = p
	if _, err := n.route(t, p); err != nil {
		t.fail(p.ID)
	}
}

// Release forgets the long-lived connection to id.
func (t *Transport) Release(id overlay.NodeID) {
	t.net.mu.Lock()
	defer t.net.mu.Unlock()
	delete(t.kept, id)
}

// Identify returns the peer attached at addr, if this transport reaches
// it.
func (t *Transport) Identify(ctx context.Context, addr string) (overlay.Peer, error) {
	if err := ctx.Err(); err != nil {
		return overlay.Peer{}, err
	}
	n := t.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if t.detached {
		return overlay.Peer{}, ErrClosed
	}
	dst := n.byAddr[addr]
	if dst == nil || n.cut(t.self.Addr, addr) {
		return overlay.Peer{}, fmt.Errorf("%w: %s", ErrUnreachable, addr)
	}
	return dst.self, nil
}

// Close detaches the transport: its address is free again, what was
// queued for it is dropped, and what it sent is on the wire and still
// arrives, after which the peers that kept a connection to it see it
// fail.
func (t *Transport) Close(context.Context) error {
	t.net.mu.Lock()
	defer t.net.mu.Unlock()
	t.detach(true)
	return nil
}

// Delivered counts the events the reader has taken.
func (t *Transport) Delivered() uint64 {
	t.net.mu.Lock()
	defer t.net.mu.Unlock()
	return t.delivered
}

// Stats returns a snapshot of the transport's counters. Of the gauges and
// the QUIC-specific counters, it fills none.
func (t *Transport) Stats() overlay.Stats {
	t.net.mu.Lock()
	defer t.net.mu.Unlock()
	s := t.stats
	s.Traffic = maps.Clone(s.Traffic)
	s.QueueDrops = maps.Clone(s.QueueDrops)
	s.Refused = maps.Clone(s.Refused)
	return s
}

// count adds one message of frame bytes; net.mu is held.
func (t *Transport) count(p overlay.Protocol, mt overlay.MsgType, dir overlay.Direction, frame int) {
	k := overlay.TrafficKey{Protocol: p, Type: mt, Direction: dir}
	c := t.stats.Traffic[k]
	c.Messages++
	c.Bytes += uint64(frame + overlay.FrameHeaderLen)
	t.stats.Traffic[k] = c
}

// fail queues a PeerFailed notice for id, unless one is queued already;
// net.mu is held.
func (t *Transport) fail(id overlay.NodeID) {
	if t.detached || t.failing[id] {
		return
	}
	t.failing[id] = true
	t.arrivals++
	t.failures = append(t.failures, failure{id: id, arrival: t.arrivals})
	t.net.addPending(1)
	t.signal()
}

// failUnreachableKept reports every kept peer this transport no longer
// reaches; net.mu is held.
func (t *Transport) failUnreachableKept() {
	for _, id := range slices.Sorted(maps.Keys(t.kept)) {
		if _, err := t.net.route(t, t.kept[id]); err != nil {
			t.fail(id)
		}
	}
}

// enqueue puts m on its sender's link queue here; net.mu is held.
func (t *Transport) enqueue(m queued) {
	if t.detached {
		return
	}
	q := t.inbox[m.from]
	if q == nil {
		q = &linkQueue{}
		t.inbox[m.from] = q
	}
	t.arrivals++
	m.arrival = t.arrivals
	if dropped, of := q.push(m, t.net.cfg.QueueLen); dropped {
		m.from.stats.QueueDrops[of]++
	} else {
		t.net.addPending(1)
	}
	t.signal()
}

func (t *Transport) signal() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// detach takes the transport off the network; net.mu is held. The peers
// that kept a connection to it are told it failed: at once after a crash,
// and after a graceful close only once what it sent before has arrived,
// as a closing QUIC connection delivers its streams' data first.
func (t *Transport) detach(graceful bool) {
	if t.detached {
		return
	}
	n := t.net
	dropped := len(t.failures)
	for _, q := range t.inbox {
		dropped += len(q.items)
	}
	n.addPending(-dropped)
	t.inbox, t.failures = nil, nil
	t.detached = true
	if n.byAddr[t.self.Addr] == t {
		delete(n.byAddr, t.self.Addr)
	}
	for _, addr := range slices.Sorted(maps.Keys(n.byAddr)) {
		u := n.byAddr[addr]
		if _, ok := u.kept[t.self.ID]; !ok {
			continue
		}
		if latency := n.link(t.self.Addr, addr).Latency; graceful && latency > 0 {
			n.cfg.AfterFunc(latency, func() {
				n.mu.Lock()
				defer n.mu.Unlock()
				u.fail(t.self.ID)
			})
			continue
		}
		u.fail(t.self.ID)
	}
	close(t.closed)
}

// pump hands what arrives to the reader, one event at a time, until the
// transport is detached; then it closes Events.
func (t *Transport) pump() {
	defer close(t.events)
	for {
		ev, frame, ok := t.take()
		if !ok {
			select {
			case <-t.wake:
				continue
			case <-t.closed:
				return
			}
		}
		select {
		case t.events <- ev:
			t.taken(ev, frame)
		case <-t.closed:
			t.net.mu.Lock()
			t.net.addPending(-1)
			t.net.mu.Unlock()
			return
		}
	}
}

// take removes the next event due, the earliest to arrive, with the size
// of its frame. A frame that does not decode is counted and skipped.
func (t *Transport) take() (overlay.TransportEvent, int, bool) {
	n := t.net
	n.mu.Lock()
	defer n.mu.Unlock()
	for !t.detached {
		q := t.earliestQueue()
		if len(t.failures) > 0 && (q == nil || t.failures[0].arrival < q.items[0].arrival) {
			f := t.failures[0]
			t.failures = t.failures[1:]
			delete(t.failing, f.id)
			return overlay.PeerFailed{ID: f.id, Err: ErrUnreachable}, 0, true
		}
		if q == nil {
			return nil, 0, false
		}
		m := q.pop()
		msg, err := n.cfg.Codec.Unmarshal(m.frame)
		if err != nil {
			t.stats.DecodeErrors++
			n.addPending(-1)
			continue
		}
		return overlay.Received{From: m.from.self, Msg: msg}, len(m.frame), true
	}
	return nil, 0, false
}

// earliestQueue returns the link queue whose head arrived first, or nil
// if all are empty; net.mu is held.
func (t *Transport) earliestQueue() *linkQueue {
	var first *linkQueue
	for _, q := range t.inbox {
		if len(q.items) > 0 && (first == nil || q.items[0].arrival < first.items[0].arrival) {
			first = q
		}
	}
	return first
}

// taken records an event the reader received.
func (t *Transport) taken(ev overlay.TransportEvent, frame int) {
	n := t.net
	n.mu.Lock()
	defer n.mu.Unlock()
	t.delivered++
	if r, ok := ev.(overlay.Received); ok {
		t.count(r.Msg.Protocol(), r.Msg.Type(), overlay.DirectionIn, frame)
	}
	n.addPending(-1)
}
