package plumtree

import (
	"slices"
	"time"
)

// messageCache keeps the payloads of received messages so that GRAFTs can
// be answered. It is bounded in entries, in bytes and in age, and always
// evicts the oldest entry first.
type messageCache struct {
	ttl        time.Duration
	maxEntries int
	maxBytes   int

	entries map[MessageID]cachedMessage
	order   fifo[cacheSlot]
	bytes   int

	expired, evictedCount, evictedBytes, rejected uint64
}

// cachedMessage is what a GRAFT needs to resend a message.
type cachedMessage struct {
	payload []byte
	round   int // hops the message travelled to reach this node
}

// cacheSlot records when an entry was added, oldest first, in Unix
// nanoseconds: 24 bytes a slot instead of 40 with a time.Time.
type cacheSlot struct {
	id      MessageID
	atNanos int64
}

func newMessageCache(ttl time.Duration, maxEntries, maxBytes int) messageCache {
	return messageCache{
		ttl:        ttl,
		maxEntries: maxEntries,
		maxBytes:   maxBytes,
		entries:    make(map[MessageID]cachedMessage),
	}
}

// add caches a message received at now, evicting the oldest entries until
// both bounds hold. It reports false, and caches nothing, when the payload
// alone exceeds the byte bound or the ID is already cached.
func (c *messageCache) add(now time.Time, id MessageID, round int, payload []byte) bool {
	if len(payload) > c.maxBytes {
		c.rejected++
		return false
	}
	if _, ok := c.entries[id]; ok {
		return false
	}
	c.entries[id] = cachedMessage{payload: payload, round: round}
	c.order.push(cacheSlot{id: id, atNanos: now.UnixNano()})
	c.bytes += len(payload)
	for len(c.entries) > c.maxEntries {
		c.evictOldest()
		c.evictedCount++
	}
	for c.bytes > c.maxBytes {
		c.evictOldest()
		c.evictedBytes++
	}
	return true
}

// get returns the cached message with the given ID.
func (c *messageCache) get(id MessageID) (cachedMessage, bool) {
	m, ok := c.entries[id]
	return m, ok
}

// since returns the IDs cached at or after t, oldest first.
func (c *messageCache) since(t time.Time) []cacheSlot {
	slots := c.order.newest(func(s cacheSlot) bool { return s.atNanos >= t.UnixNano() })
	slices.Reverse(slots)
	return slots
}

// expire evicts every entry added CacheTTL or longer before now.
func (c *messageCache) expire(now time.Time) {
	for c.order.len() > 0 && now.UnixNano()-c.order.front().atNanos >= int64(c.ttl) {
		c.evictOldest()
		c.expired++
	}
}

func (c *messageCache) evictOldest() {
	slot := c.order.pop()
	c.bytes -= len(c.entries[slot.id].payload)
	delete(c.entries, slot.id)
}
