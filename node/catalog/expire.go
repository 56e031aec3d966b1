package catalog

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// Tombstone is what the catalog remembers of a forgotten member: the
// liveness of its last record.
type Tombstone struct {
	Incarnation uint64
	Status      Status
}

// Expire forgets the dead and left records that have not changed for
// longer than Config.DeadRetention, except this node's own, and returns
// their IDs in the order forgotten (oldest change first, then by ID).
//
// Each forgotten member leaves a [Tombstone]: a later record of it is
// ignored unless its liveness beats the tombstone's (a higher incarnation,
// or at the same incarnation a stronger status), so a stale Alive still
// circulating cannot bring it back; a member that returns must refute at a
// higher incarnation, as SWIM has it do anyway. Tombstones are bounded by
// Config.MaxTombstones, the oldest dropped first; a dropped tombstone
// protects nothing, which after DeadRetention and MaxTombstones later
// deaths is taken to be harmless.
func (c *Catalog) Expire(now time.Time) []overlay.NodeID {
	var due []*entry
	for id := range c.gone {
		e, _ := c.records.get(id, hashString(id))
		if id != c.cfg.Self && now.Sub(e.changed) > c.cfg.DeadRetention {
			due = append(due, e)
		}
	}
	slices.SortFunc(due, func(a, b *entry) int {
		return cmp.Or(a.changed.Compare(b.changed), strings.Compare(string(a.rec.Member.ID), string(b.rec.Member.ID)))
	})
	ids := make([]overlay.NodeID, 0, len(due))
	for _, e := range due {
		c.remove(e)
		c.stats.TombstonesDropped += c.tombstones.add(e.rec.Member.ID, Tombstone{Incarnation: e.rec.Incarnation, Status: e.rec.Status})
		ids = append(ids, e.rec.Member.ID)
	}
	c.stats.Expired += uint64(len(due))
	return ids
}

// Tombstone returns the tombstone of a forgotten member, if one is kept.
// Node.Core can tell a member that rejoins below its tombstone which
// incarnation to refute.
func (c *Catalog) Tombstone(id overlay.NodeID) (Tombstone, bool) {
	return c.tombstones.get(id)
}

// DeadMembers returns the records of members declared dead and not yet
// forgotten, sorted by ID: the candidates for a reconnection attempt.
// Members that left on purpose are not among them.
func (c *Catalog) DeadMembers() []Record {
	out := make([]Record, 0, c.counts.Dead)
	for id := range c.gone {
		if e, _ := c.records.get(id, hashString(id)); e.rec.Status == Dead {
			out = append(out, e.rec)
		}
	}
	sortByID(out)
	return out
}

// tombstones is a bounded map of tombstones that forgets the oldest first.
type tombstones struct {
	max  int
	byID map[overlay.NodeID]tombstoneEntry
	// order lists burials oldest first. An element whose seq no longer
	// matches byID is stale (its tombstone was removed or replaced); stale
	// elements are skipped, and compacted away when they outnumber the
	// live ones.
	order []burial
	seq   uint64
}

type tombstoneEntry struct {
	Tombstone
	seq uint64
}

type burial struct {
	id  overlay.NodeID
	seq uint64
}

func newTombstones(limit int) tombstones {
	return tombstones{max: limit, byID: make(map[overlay.NodeID]tombstoneEntry)}
}

func (t *tombstones) len() int { return len(t.byID) }

func (t *tombstones) get(id overlay.NodeID) (Tombstone, bool) {
	e, ok := t.byID[id]
	return e.Tombstone, ok
}

func (t *tombstones) remove(id overlay.NodeID) { delete(t.byID, id) }

// add buries id and returns the number of older tombstones dropped to stay
// within max.
func (t *tombstones) add(id overlay.NodeID, ts Tombstone) (dropped uint64) {
	t.seq++
	t.byID[id] = tombstoneEntry{Tombstone: ts, seq: t.seq}
	t.order = append(t.order, burial{id: id, seq: t.seq})
	for len(t.byID) > t.max {
		oldest := t.order[0]
		t.order = t.order[1:]
		if t.live(oldest) {
			delete(t.byID, oldest.id)
			dropped++
		}
	}
	if len(t.order) > 2*len(t.byID)+16 {
		t.order = slices.DeleteFunc(slices.Clone(t.order), func(b burial) bool { return !t.live(b) })
	}
	return dropped
}

func (t *tombstones) live(b burial) bool {
	e, ok := t.byID[b.id]
	return ok && e.seq == b.seq
}
