package memtransport

import (
	"slices"

	"github.com/overlayd/overlayd/overlay"
)

// queued is a message on its way, encoded.
type queued struct {
	from     *Transport
	priority overlay.Priority
	frame    []byte
	arrival  uint64
}

// failure is a PeerFailed notice waiting for the reader.
type failure struct {
	id      overlay.NodeID
	arrival uint64
}

// linkQueue holds one sender's messages not yet taken by the receiver,
// oldest first.
type linkQueue struct {
	items []queued
}

// push appends m, or when the queue holds limit messages drops the one of
// lowest priority, the oldest among equals, m included; it reports whether
// a message was dropped, which leaves the queue's length unchanged, and the
// priority of the one dropped.
func (q *linkQueue) push(m queued, limit int) (dropped bool, of overlay.Priority) {
	if len(q.items) < limit {
		q.items = append(q.items, m)
		return false, 0
	}
	victim := -1
	for i, x := range q.items {
		if x.priority <= m.priority && (victim < 0 || x.priority < q.items[victim].priority) {
			victim = i
		}
	}
	if victim < 0 {
		return true, m.priority // m is of lower priority than everything queued
	}
	of = q.items[victim].priority
	q.items = append(slices.Delete(q.items, victim, victim+1), m)
	return true, of
}

func (q *linkQueue) pop() queued {
	m := q.items[0]
	q.items[0] = queued{}
	q.items = q.items[1:]
	return m
}
