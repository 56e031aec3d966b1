package catalog

import (
	"maps"
	"slices"
	"strings"

	"github.com/overlayd/overlayd/overlay"
)

// serviceIndex lists the instances offered under one service name, by
// datacenter. It holds instances of members in every status, and refers to
// them by member ID, so that the frequent changes of liveness and
// coordinates leave it untouched: only a change of a member's services or
// datacenter, or its arrival or removal, rebuilds it. Immutable once
// published.
type serviceIndex struct {
	// datacenters is sorted by name; none is empty.
	datacenters []datacenterInstances
}

type datacenterInstances struct {
	name string
	// instances is sorted by member, then position.
	instances []instanceRef
}

// instanceRef points at Services[pos] of a member's record in the same
// snapshot.
type instanceRef struct {
	member overlay.NodeID
	idHash uint64
	pos    int
}

func cmpInstanceRef(a, b instanceRef) int {
	if c := strings.Compare(string(a.member), string(b.member)); c != 0 {
		return c
	}
	return a.pos - b.pos
}

// datacenter returns the instances in datacenter dc.
func (x *serviceIndex) datacenter(dc string) []instanceRef {
	i, ok := slices.BinarySearchFunc(x.datacenters, dc, func(d datacenterInstances, dc string) int {
		return strings.Compare(d.name, dc)
	})
	if !ok {
		return nil
	}
	return x.datacenters[i].instances
}

// offersChanged reports whether the move from a to b changes what the
// service index holds of the member.
func offersChanged(a, b *Record) bool {
	return a.Datacenter != b.Datacenter || cmpServices(a.Services, b.Services) != 0
}

// markStale records that the index entries of r's services must be
// rebuilt.
func (c *Catalog) markStale(r *Record) {
	for i := range r.Services {
		name := r.Services[i].Name
		members := c.stale[name]
		if members == nil {
			members = make(map[overlay.NodeID]struct{})
			c.stale[name] = members
		}
		members[r.Member.ID] = struct{}{}
	}
}

// reindex brings the service index up to date with the records. Each stale
// name costs O(instances of the name + stale members × their services).
func (c *Catalog) reindex() {
	for name, members := range c.stale {
		h := hashString(name)
		old, _ := c.services.get(name, h)
		if x := c.rebuild(name, old, slices.Sorted(maps.Keys(members))); x != nil {
			c.services.set(name, h, x)
		} else {
			c.services.delete(name, h)
		}
	}
	clear(c.stale)
}

// rebuild returns old with the instances of the given members, sorted,
// replaced by those in their current records; nil if none remain.
func (c *Catalog) rebuild(name string, old *serviceIndex, members []overlay.NodeID) *serviceIndex {
	fresh := make(map[string][]instanceRef)
	for _, id := range members {
		e, ok := c.records.get(id, hashString(id))
		if !ok {
			continue
		}
		for pos := range e.rec.Services {
			if e.rec.Services[pos].Name == name {
				dc := e.rec.Datacenter
				fresh[dc] = append(fresh[dc], instanceRef{member: id, idHash: e.idHash, pos: pos})
			}
		}
	}
	names := slices.Collect(maps.Keys(fresh))
	if old != nil {
		for _, d := range old.datacenters {
			names = append(names, d.name)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)

	x := &serviceIndex{}
	for _, dc := range names {
		var before []instanceRef
		if old != nil {
			before = old.datacenter(dc)
		}
		if refs := splice(before, members, fresh[dc]); len(refs) > 0 {
			x.datacenters = append(x.datacenters, datacenterInstances{name: dc, instances: refs})
		}
	}
	if len(x.datacenters) == 0 {
		return nil
	}
	return x
}

// splice returns old without the instances of members, merged with fresh.
// All three are sorted; fresh holds instances of members only.
func splice(old []instanceRef, members []overlay.NodeID, fresh []instanceRef) []instanceRef {
	out := make([]instanceRef, 0, len(old)+len(fresh))
	k := 0
	for _, ref := range old {
		for k < len(members) && members[k] < ref.member {
			k++
		}
		if k < len(members) && members[k] == ref.member {
			continue
		}
		for len(fresh) > 0 && cmpInstanceRef(fresh[0], ref) < 0 {
			out = append(out, fresh[0])
			fresh = fresh[1:]
		}
		out = append(out, ref)
	}
	return append(out, fresh...)
}
