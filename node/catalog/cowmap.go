package catalog

import "maps"

// shardCount is the number of shards of a cowMap. At 100,000 members a
// shard holds about 400 records, which is what the first write to it after
// a snapshot copies; a snapshot itself copies the 256 shard pointers.
const shardCount = 256

// shards is a map split by key hash; a snapshot holds one by value and
// only reads it.
type shards[K ~string, V any] [shardCount]map[K]V

func (s *shards[K, V]) get(k K, h uint64) (V, bool) {
	v, ok := s[h%shardCount][k]
	return v, ok
}

// cowMap is a map whose shards are shared with snapshots until written:
// freeze hands the current shards out, and the next write to a shard
// copies it first. A snapshot thus costs O(shardCount), and the writes
// after it O(size of each shard they touch), once per shard.
type cowMap[K ~string, V any] struct {
	shards shards[K, V]
	// private[i] reports that shards[i] is shared with no snapshot and may
	// be written in place.
	private [shardCount]bool
}

func (m *cowMap[K, V]) get(k K, h uint64) (V, bool) { return m.shards.get(k, h) }

func (m *cowMap[K, V]) set(k K, h uint64, v V) {
	m.own(h % shardCount)[k] = v
}

func (m *cowMap[K, V]) delete(k K, h uint64) {
	if _, ok := m.get(k, h); ok {
		delete(m.own(h%shardCount), k)
	}
}

// own returns shard i, copied first if a snapshot shares it.
func (m *cowMap[K, V]) own(i uint64) map[K]V {
	if !m.private[i] {
		clone := maps.Clone(m.shards[i])
		if clone == nil {
			clone = make(map[K]V)
		}
		m.shards[i] = clone
		m.private[i] = true
	}
	return m.shards[i]
}

// freeze returns the current shards for a snapshot; later writes leave
// them untouched.
func (m *cowMap[K, V]) freeze() shards[K, V] {
	m.private = [shardCount]bool{}
	return m.shards
}
