package plumtree

import (
	"testing"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/stretchr/testify/assert"
)

func TestMessageCacheEviction(t *testing.T) {
	const ttl = 10 * time.Second
	type add struct {
		at    time.Duration
		seq   uint64
		bytes int
	}
	tests := []struct {
		name        string
		maxEntries  int
		maxBytes    int
		adds        []add
		expireAt    time.Duration
		wantCached  []uint64
		wantBytes   int
		wantExpired uint64
		wantByCount uint64
		wantByBytes uint64
		wantReject  uint64
	}{
		{
			name: "entries younger than the TTL stay", maxEntries: 10, maxBytes: 100,
			adds:     []add{{0, 1, 5}, {time.Second, 2, 5}},
			expireAt: ttl - 1, wantCached: []uint64{1, 2}, wantBytes: 10,
		},
		{
			name: "TTL evicts the oldest first, at exactly the TTL", maxEntries: 10, maxBytes: 100,
			adds:     []add{{0, 1, 5}, {time.Second, 2, 5}},
			expireAt: ttl, wantCached: []uint64{2}, wantBytes: 5, wantExpired: 1,
		},
		{
			name: "the entry bound evicts the oldest", maxEntries: 2, maxBytes: 100,
			adds:     []add{{0, 1, 1}, {0, 2, 1}, {0, 3, 1}},
			expireAt: 0, wantCached: []uint64{2, 3}, wantBytes: 2, wantByCount: 1,
		},
		{
			name: "the byte bound evicts the oldest until the new entry fits", maxEntries: 10, maxBytes: 10,
			adds:     []add{{0, 1, 4}, {0, 2, 4}, {0, 3, 8}},
			expireAt: 0, wantCached: []uint64{3}, wantBytes: 8, wantByBytes: 2,
		},
		{
			name: "a payload above the byte bound is never cached", maxEntries: 10, maxBytes: 10,
			adds:     []add{{0, 1, 4}, {0, 2, 11}},
			expireAt: 0, wantCached: []uint64{1}, wantBytes: 4, wantReject: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newMessageCache(ttl, tt.maxEntries, tt.maxBytes)
			for _, a := range tt.adds {
				c.add(t0.Add(a.at), mid(a.seq), 1, make([]byte, a.bytes))
			}
			c.expire(t0.Add(tt.expireAt))
			var cached []uint64
			for _, a := range tt.adds {
				if _, ok := c.get(mid(a.seq)); ok {
					cached = append(cached, a.seq)
				}
			}
			assert.Equal(t, tt.wantCached, cached)
			assert.Equal(t, tt.wantBytes, c.bytes)
			assert.Equal(t, tt.wantExpired, c.expired)
			assert.Equal(t, tt.wantByCount, c.evictedCount)
			assert.Equal(t, tt.wantByBytes, c.evictedBytes)
			assert.Equal(t, tt.wantReject, c.rejected)
		})
	}
}

func TestSeenSetBounds(t *testing.T) {
	const ttl = 10 * time.Second
	tests := []struct {
		name       string
		maxEntries int
		addsAt     []time.Duration // message i+1 added at addsAt[i]
		expireAt   time.Duration
		wantSeen   []uint64
		wantEarly  uint64
		wantExpire uint64
	}{
		{"kept until the TTL", 10, []time.Duration{0, time.Second}, ttl - 1, []uint64{1, 2}, 0, 0},
		{"forgotten at the TTL, oldest first", 10, []time.Duration{0, time.Second}, ttl, []uint64{2}, 0, 1},
		{"the entry bound forgets early, and counts it", 2, []time.Duration{0, 0, 0}, 0, []uint64{2, 3}, 1, 0},
		{"the entry bound dropping an expired ID is not early", 1, []time.Duration{0, ttl}, ttl, []uint64{2}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSeenSet(ttl, tt.maxEntries)
			for i, at := range tt.addsAt {
				s.add(mid(uint64(i+1)), newSeenRecord(t0.Add(at), 1, "a", false))
			}
			s.expire(t0.Add(tt.expireAt))
			var seen []uint64
			for i := range tt.addsAt {
				if _, ok := s.get(mid(uint64(i + 1))); ok {
					seen = append(seen, uint64(i+1))
				}
			}
			assert.Equal(t, tt.wantSeen, seen)
			assert.Equal(t, tt.wantEarly, s.evictedEarly)
			assert.Equal(t, tt.wantExpire, s.expired)
		})
	}
}

func TestFifoKeepsOrderAndReusesSpace(t *testing.T) {
	const backlog = 10
	var q fifo[int]
	for i := range backlog {
		q.push(i)
	}
	for i := range 100 * compactAfter {
		q.push(backlog + i)
		assert.Equal(t, i, q.front())
		assert.Equal(t, i, q.pop())
		assert.Equal(t, backlog, q.len())
		assert.LessOrEqual(t, len(q.items), 2*compactAfter+backlog, "consumed slots are reclaimed")
	}
}

// TestForgottenMessageIsDeliveredAgain documents the behaviour beyond the
// seen window.
func TestForgottenMessageIsDeliveredAgain(t *testing.T) {
	n := newTestNode(t, nil, []overlay.NodeID{"a"}, nil)
	g := Gossip{ID: mid(1), Round: 1}
	n.Step(t0, peer("a"), g)
	n.Step(t0.Add(time.Second), peer("a"), g)
	assert.Len(t, deliveries(n.Ready()), 1, "a duplicate inside the window is not delivered")

	later := t0.Add(defaultSeenTTLFactor * DefaultCacheTTL)
	n.Tick(later)
	n.Step(later, peer("a"), g)
	assert.Len(t, deliveries(n.Ready()), 1, "a copy after SeenTTL is new again")
}
