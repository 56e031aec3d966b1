package catalog

import (
	"slices"

	"github.com/overlayd/overlayd/overlay"
)

// Snapshot is an immutable view of a [Catalog] at one moment. Any number
// of goroutines may read it while the catalog goes on changing. Like the
// catalog's, the records it returns are shared: treat them as read-only.
type Snapshot struct {
	self           overlay.NodeID
	dimensionality int
	len            int
	records        shards[overlay.NodeID, *entry]
	services       shards[string, *serviceIndex]
}

// Snapshot returns an immutable view of the catalog as it is now.
//
// Cost: if nothing changed since the last call, the same snapshot is
// returned. Otherwise the service index is brought up to date for the
// service names whose instances changed (O(instances of each name)), and
// the record and index shards are handed to the snapshot (O(256)). The
// first change to a shard after a snapshot then copies that shard, about
// 1/256 of the members or service names, once; so the total cost is
// proportional to what changed, not to the size of the catalog.
func (c *Catalog) Snapshot() *Snapshot {
	if c.last != nil {
		return c.last
	}
	c.reindex()
	c.last = &Snapshot{
		self:           c.cfg.Self,
		dimensionality: c.cfg.Dimensionality,
		len:            c.Len(),
		records:        c.records.freeze(),
		services:       c.services.freeze(),
	}
	return c.last
}

// Get returns the record of member id.
func (s *Snapshot) Get(id overlay.NodeID) (Record, bool) {
	e, ok := s.records.get(id, hashString(id))
	if !ok {
		return Record{}, false
	}
	return e.rec, true
}

// Len returns the number of records.
func (s *Snapshot) Len() int { return s.len }

// Members returns every record, sorted by member ID.
func (s *Snapshot) Members() []Record {
	return sortedRecords(&s.records, s.len, func(*entry) bool { return true })
}

// ServiceNames returns the names of the services that have instances in
// the snapshot, in any status, sorted.
//
// Cost: O(s log s) for s service names.
func (s *Snapshot) ServiceNames() []string {
	var out []string
	for _, m := range s.services {
		for name := range m {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
