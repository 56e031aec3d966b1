package plumtree

import (
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// seenSet remembers the messages a node has received, for exactly-once
// delivery and for the tree optimisations. It is bounded in entries and in
// age and forgets the oldest message first.
type seenSet struct {
	ttl        time.Duration
	maxEntries int

	records map[MessageID]seenRecord
	order   fifo[MessageID]

	expired, evictedEarly uint64
}

// seenRecord is how a message first reached this node. A node remembers
// every message of the last SeenTTL, so the record is kept small: 32 bytes,
// with the time as Unix nanoseconds rather than a 24-byte time.Time.
type seenRecord struct {
	from     overlay.NodeID // who sent it; the node itself for own broadcasts
	atNanos  int64          // when it was received (or broadcast)
	round    int32          // hops it travelled; 0 for own broadcasts (at most maxRound)
	repaired bool           // it came in answer to one of our GRAFTs
}

func newSeenRecord(at time.Time, round int, from overlay.NodeID, repaired bool) seenRecord {
	return seenRecord{from: from, atNanos: at.UnixNano(), round: int32(round), repaired: repaired}
}

// at returns when the message was received.
func (r seenRecord) at() time.Time { return time.Unix(0, r.atNanos) }

func newSeenSet(ttl time.Duration, maxEntries int) seenSet {
	return seenSet{ttl: ttl, maxEntries: maxEntries, records: make(map[MessageID]seenRecord)}
}

func (s *seenSet) get(id MessageID) (seenRecord, bool) {
	r, ok := s.records[id]
	return r, ok
}

// add remembers a message that is not yet in the set. When the set is
// full, the oldest record is forgotten even if it is younger than the TTL.
func (s *seenSet) add(id MessageID, r seenRecord) {
	s.records[id] = r
	s.order.push(id)
	for len(s.records) > s.maxEntries {
		oldest := s.order.pop()
		if r.atNanos-s.records[oldest].atNanos < int64(s.ttl) {
			s.evictedEarly++
		} else {
			s.expired++
		}
		delete(s.records, oldest)
	}
}

// expire forgets every message received SeenTTL or longer before now.
func (s *seenSet) expire(now time.Time) {
	for s.order.len() > 0 && now.UnixNano()-s.records[s.order.front()].atNanos >= int64(s.ttl) {
		delete(s.records, s.order.pop())
		s.expired++
	}
}
