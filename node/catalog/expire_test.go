package catalog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

func TestExpireForgetsOnlyLongDeadMembers(t *testing.T) {
	c := newTestCatalog(t, func(cfg *Config) { cfg.DeadRetention = time.Hour })
	mustApply(t, c, t0,
		liveness("alive", 1, Alive), liveness("suspect", 1, Suspect),
		liveness("dead", 1, Dead), liveness("left", 1, Left), liveness("self", 1, Dead))
	mustApply(t, c, t0.Add(30*time.Minute), liveness("dead-later", 1, Dead))

	assert.Empty(t, c.Expire(t0.Add(time.Hour)), "exactly DeadRetention old is not older")
	assert.Equal(t, []overlay.NodeID{"dead", "left"}, c.Expire(t0.Add(time.Hour+time.Nanosecond)))
	assert.Equal(t, []overlay.NodeID{"alive", "dead-later", "self", "suspect"}, ids(c.Members()))
	assert.Equal(t, []overlay.NodeID{"dead-later"}, c.Expire(t0.Add(2*time.Hour)))
	assert.Equal(t, Counts{Alive: 1, Suspect: 1, Dead: 1}, c.Counts())
	assert.Equal(t, uint64(3), c.Stats().Expired)
	assert.Equal(t, 3, c.Stats().Tombstones)
}

func TestExpireClockRestartsOnEveryChange(t *testing.T) {
	c := newTestCatalog(t, func(cfg *Config) { cfg.DeadRetention = time.Hour })
	mustApply(t, c, t0, liveness("a", 1, Dead))
	mustApply(t, c, t0.Add(50*time.Minute), liveness("a", 1, Left))
	assert.Empty(t, c.Expire(t0.Add(90*time.Minute)))
	assert.Equal(t, []overlay.NodeID{"a"}, c.Expire(t0.Add(111*time.Minute)))
}

func TestTombstonePreventsResurrection(t *testing.T) {
	tests := []struct {
		name    string
		rec     Record
		revives bool
	}{
		{"alive at a lower incarnation", liveness("a", 4, Alive), false},
		{"alive at the same incarnation", liveness("a", 5, Alive), false},
		{"owner data at the same incarnation", func() Record { r := owned("a", 9, "dc1", nil); r.Incarnation = 5; return r }(), false},
		{"suspect at the same incarnation", liveness("a", 5, Suspect), false},
		{"dead again", liveness("a", 5, Dead), false},
		{"left at the same incarnation", liveness("a", 5, Left), true},
		{"alive at a higher incarnation", liveness("a", 6, Alive), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCatalog(t, func(cfg *Config) { cfg.DeadRetention = time.Hour })
			mustApply(t, c, t0, liveness("a", 5, Dead))
			require.Len(t, c.Expire(t0.Add(2*time.Hour)), 1)
			ts, ok := c.Tombstone("a")
			require.True(t, ok)
			assert.Equal(t, Tombstone{Incarnation: 5, Status: Dead}, ts)

			changed, err := c.Apply(t0.Add(3*time.Hour), tt.rec)
			require.NoError(t, err)
			assert.Equal(t, tt.revives, changed)
			got, ok := c.Get("a")
			assert.Equal(t, tt.revives, ok)
			_, buried := c.Tombstone("a")
			assert.Equal(t, !tt.revives, buried)
			if tt.revives {
				assert.Equal(t, tt.rec, got)
			} else {
				assert.Equal(t, uint64(1), c.Stats().BelowTombstone)
			}
		})
	}
}

func TestTombstonesAreBounded(t *testing.T) {
	c := newTestCatalog(t, func(cfg *Config) { cfg.DeadRetention = time.Hour; cfg.MaxTombstones = 2 })
	for i, id := range []overlay.NodeID{"a", "b", "c"} {
		mustApply(t, c, t0.Add(time.Duration(i)*time.Minute), liveness(id, 1, Dead))
	}
	require.Equal(t, []overlay.NodeID{"a", "b", "c"}, c.Expire(t0.Add(2*time.Hour)))
	_, ok := c.Tombstone("a")
	assert.False(t, ok, "the oldest tombstone is dropped")
	for _, id := range []overlay.NodeID{"b", "c"} {
		_, ok := c.Tombstone(id)
		assert.True(t, ok)
	}
	assert.Equal(t, 2, c.Stats().Tombstones)
	assert.Equal(t, uint64(1), c.Stats().TombstonesDropped)

	// A revived member's tombstone goes; its stale place in the queue must
	// not cost another member its tombstone.
	mustApply(t, c, t0.Add(3*time.Hour), liveness("b", 2, Alive))
	mustApply(t, c, t0.Add(3*time.Hour), liveness("d", 1, Dead))
	require.Equal(t, []overlay.NodeID{"d"}, c.Expire(t0.Add(5*time.Hour)))
	for _, id := range []overlay.NodeID{"c", "d"} {
		_, ok := c.Tombstone(id)
		assert.True(t, ok, id)
	}
}

// TestTombstoneQueueStaysBounded revives and buries the same members many
// times: the burial queue must not grow with the history.
func TestTombstoneQueueStaysBounded(t *testing.T) {
	c := newTestCatalog(t, func(cfg *Config) { cfg.DeadRetention = time.Hour; cfg.MaxTombstones = 4 })
	now := t0
	for inc := uint64(1); inc <= 200; inc++ {
		mustApply(t, c, now, liveness("a", inc, Dead), liveness("b", inc, Dead))
		now = now.Add(2 * time.Hour)
		require.Len(t, c.Expire(now), 2)
	}
	assert.Equal(t, 2, c.tombstones.len())
	assert.LessOrEqual(t, len(c.tombstones.order), 2*4+16)
}

func TestDeadMembers(t *testing.T) {
	c := newTestCatalog(t, nil)
	mustApply(t, c, t0, liveness("d2", 1, Dead), liveness("a", 1, Alive), liveness("l", 1, Left),
		liveness("d1", 3, Dead), liveness("s", 1, Suspect))
	assert.Equal(t, []overlay.NodeID{"d1", "d2"}, ids(c.DeadMembers()))
	mustApply(t, c, t0, liveness("d1", 4, Alive))
	assert.Equal(t, []overlay.NodeID{"d2"}, ids(c.DeadMembers()))
}

func ids(rs []Record) []overlay.NodeID {
	out := make([]overlay.NodeID, len(rs))
	for i, r := range rs {
		out[i] = r.Member.ID
	}
	return out
}
