package overlay

import "sync"

// eventQueue stands between the goroutines that produce transport events
// and the channel the runtime reads. Notices (PeerFailed) are queued at
// once, whoever raises them, so no caller ever waits to report a failure;
// received messages wait for room, which holds back the stream they came
// from and, through QUIC flow control, their sender. A pump goroutine moves
// events to the channel in the order they were queued.
type eventQueue struct {
	out chan TransportEvent

	mu      sync.Mutex
	items   []TransportEvent
	limit   int           // received messages wait while this many events are queued
	closing chan struct{} // closed when received messages are to be dropped instead of waiting
	ready   chan struct{}
	room    chan struct{}
	stop    chan struct{} // closed to stop the pump
	stopped chan struct{} // closed when the pump has stopped
}

func newEventQueue(limit int) *eventQueue {
	return &eventQueue{
		out:     make(chan TransportEvent),
		limit:   limit,
		closing: make(chan struct{}),
		ready:   make(chan struct{}, 1),
		room:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
}

// notify queues ev without waiting.
func (q *eventQueue) notify(ev TransportEvent) {
	q.mu.Lock()
	q.items = append(q.items, ev)
	q.mu.Unlock()
	signal(q.ready)
}

// deliver queues ev, waiting while the queue is full. Once the transport
// is closing it waits no more: it returns false and drops ev when the
// queue is full.
func (q *eventQueue) deliver(ev TransportEvent) bool {
	for {
		q.mu.Lock()
		if len(q.items) < q.limit {
			q.items = append(q.items, ev)
			q.mu.Unlock()
			signal(q.ready)
			return true
		}
		q.mu.Unlock()
		select {
		case <-q.room:
		case <-q.closing:
			return false
		case <-q.stop:
			return false
		}
	}
}

// startClosing makes deliver drop rather than wait, and wakes the waiters.
func (q *eventQueue) startClosing() { close(q.closing) }

// pump moves events to out until stop is closed, then closes out.
func (q *eventQueue) pump() {
	defer close(q.stopped)
	defer close(q.out)
	for {
		q.mu.Lock()
		if len(q.items) == 0 {
			q.mu.Unlock()
			select {
			case <-q.ready:
				continue
			case <-q.stop:
				return
			}
		}
		ev := q.items[0]
		q.items[0] = nil
		q.items = q.items[1:]
		q.mu.Unlock()
		signal(q.room)
		select {
		case q.out <- ev:
		case <-q.stop:
			return
		}
	}
}

// close stops the pump, drops what it had not delivered and closes out.
func (q *eventQueue) close() {
	close(q.stop)
	<-q.stopped
}

// signal wakes whoever waits on c, a channel of capacity 1, without
// blocking: a signal already pending covers this one.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
