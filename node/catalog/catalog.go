package catalog

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// ErrFull reports a record of a new member refused because the catalog
// holds Config.MaxMembers records already.
var ErrFull = errors.New("catalog: full")

// Catalog holds one record per member and merges every record it is given
// (see [Merge]). It is a plain value for one goroutine; readers on other
// goroutines use a [Snapshot].
type Catalog struct {
	cfg Config

	records cowMap[overlay.NodeID, *entry]
	// services is the service index published in snapshots: service name
	// to the instances offered under it. It is brought up to date from
	// stale at each Snapshot.
	services cowMap[string, *serviceIndex]
	// stale holds, per service name, the members whose instances of it
	// changed since the last Snapshot.
	stale map[string]map[overlay.NodeID]struct{}
	// gone holds the members whose record is dead or left.
	gone map[overlay.NodeID]struct{}
	// ids lists every member's ID in order, for Sample.
	ids []overlay.NodeID

	tombstones tombstones
	counts     Counts
	stats      Stats
	// last is the latest snapshot, or nil if anything changed since.
	last *Snapshot
}

// entry is a stored record with what the catalog derives from it. Entries
// are immutable once stored: a change stores a new one.
type entry struct {
	rec Record
	// changed is when the record last changed.
	changed time.Time
	// idHash is hashString(rec.Member.ID): the shard and digest bucket.
	idHash uint64
	// hash is hashRecord(&rec), the record's share of its digest bucket.
	hash uint64
}

func newEntry(now time.Time, r Record, idHash uint64) *entry {
	return &entry{rec: r, changed: now, idHash: idHash, hash: hashRecord(&r)}
}

// Counts is the number of records in each status.
type Counts struct {
	Alive, Suspect, Dead, Left int
}

func (c *Counts) add(s Status, delta int) {
	switch s {
	case Alive:
		c.Alive += delta
	case Suspect:
		c.Suspect += delta
	case Dead:
		c.Dead += delta
	case Left:
		c.Left += delta
	}
}

// Live is the number of members alive or suspect: the cluster's size as
// failure detection should see it.
func (c Counts) Live() int { return c.Alive + c.Suspect }

// Total is the number of records.
func (c Counts) Total() int { return c.Alive + c.Suspect + c.Dead + c.Left }

// New returns an empty catalog. It copies cfg, fills in defaults and
// validates the result.
func New(cfg Config) (*Catalog, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Catalog{
		cfg:        cfg,
		stale:      make(map[string]map[overlay.NodeID]struct{}),
		gone:       make(map[overlay.NodeID]struct{}),
		tombstones: newTombstones(cfg.MaxTombstones),
	}, nil
}

// Apply merges r into the member's record and reports whether the catalog
// changed visibly. A record that fails validation is refused with an error
// wrapping [ErrInvalidRecord]; a new member's record when the catalog is
// full, with [ErrFull]. A record of a forgotten member is ignored unless
// its liveness beats the member's tombstone (see [Catalog.Expire]). The
// catalog keeps a copy of r: the caller may reuse it.
func (c *Catalog) Apply(now time.Time, r Record) (changed bool, err error) {
	if err := c.cfg.validateRecord(&r); err != nil {
		c.stats.Invalid++
		return false, err
	}
	h := hashString(r.Member.ID)
	old, ok := c.records.get(r.Member.ID, h)
	if !ok {
		return c.add(now, r, h)
	}
	liveness, owner := supersedes(&old.rec, &r)
	if !liveness && !owner {
		c.stats.Unchanged++
		return false, nil
	}
	if owner {
		r = r.Clone()
	}
	c.replace(old, newEntry(now, combine(&old.rec, &r, liveness, owner), h))
	c.stats.Changed++
	return true, nil
}

// add stores the record of a member the catalog does not hold.
func (c *Catalog) add(now time.Time, r Record, h uint64) (bool, error) {
	if t, ok := c.tombstones.get(r.Member.ID); ok {
		if !livenessBelow(t.Incarnation, t.Status, r.Incarnation, r.Status) {
			c.stats.Unchanged++
			c.stats.BelowTombstone++
			return false, nil
		}
	}
	if c.counts.Total() >= c.cfg.MaxMembers {
		c.stats.Full++
		return false, fmt.Errorf("%w: %d members, refusing %.64q", ErrFull, c.cfg.MaxMembers, r.Member.ID)
	}
	c.tombstones.remove(r.Member.ID)
	c.replace(nil, newEntry(now, r.Clone(), h))
	i, _ := slices.BinarySearch(c.ids, r.Member.ID)
	c.ids = slices.Insert(c.ids, i, r.Member.ID)
	c.stats.Changed++
	return true, nil
}

// replace stores e in place of old (nil for a new member) and keeps the
// counts, the gone set and the stale service names up to date.
func (c *Catalog) replace(old, e *entry) {
	id := e.rec.Member.ID
	if old != nil {
		c.counts.add(old.rec.Status, -1)
		if offersChanged(&old.rec, &e.rec) {
			c.markStale(&old.rec)
			c.markStale(&e.rec)
		}
	} else {
		c.markStale(&e.rec)
	}
	c.counts.add(e.rec.Status, 1)
	if e.rec.Status.live() {
		delete(c.gone, id)
	} else {
		c.gone[id] = struct{}{}
	}
	c.records.set(id, e.idHash, e)
	c.last = nil
}

// remove forgets the record in e.
func (c *Catalog) remove(e *entry) {
	c.counts.add(e.rec.Status, -1)
	c.markStale(&e.rec)
	delete(c.gone, e.rec.Member.ID)
	c.records.delete(e.rec.Member.ID, e.idHash)
	if i, found := slices.BinarySearch(c.ids, e.rec.Member.ID); found {
		c.ids = slices.Delete(c.ids, i, i+1)
	}
	c.last = nil
}

// Sample returns a uniformly random member that keep accepts, trying at
// most tries members; it costs O(tries), whatever the catalog's size.
func (c *Catalog) Sample(rng *rand.Rand, tries int, keep func(Record) bool) (Record, bool) {
	for range tries {
		if len(c.ids) == 0 {
			break
		}
		id := c.ids[rng.IntN(len(c.ids))]
		if r, ok := c.Get(id); ok && keep(r) {
			return r, true
		}
	}
	return Record{}, false
}

// Get returns the record of member id.
func (c *Catalog) Get(id overlay.NodeID) (Record, bool) {
	e, ok := c.records.get(id, hashString(id))
	if !ok {
		return Record{}, false
	}
	return e.rec, true
}

// Len returns the number of records.
func (c *Catalog) Len() int { return c.counts.Total() }

// Counts returns the number of records in each status.
func (c *Catalog) Counts() Counts { return c.counts }

// Stats returns the catalog's counters.
func (c *Catalog) Stats() Stats {
	s := c.stats
	s.Tombstones = c.tombstones.len()
	return s
}

// Members returns every record, sorted by member ID.
func (c *Catalog) Members() []Record {
	return sortedRecords(&c.records.shards, c.Len(), func(*entry) bool { return true })
}

// sortedRecords returns the records in s that keep accepts, sorted by
// member ID; size is a capacity hint.
func sortedRecords(s *shards[overlay.NodeID, *entry], size int, keep func(*entry) bool) []Record {
	out := make([]Record, 0, size)
	for _, m := range s {
		for _, e := range m {
			if keep(e) {
				out = append(out, e.rec)
			}
		}
	}
	sortByID(out)
	return out
}

func sortByID(rs []Record) {
	slices.SortFunc(rs, func(a, b Record) int { return strings.Compare(string(a.Member.ID), string(b.Member.ID)) })
}
