package api

import (
	"slices"
	"sync"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/catalog"
)

// directory is what the catalog endpoints need of one catalog snapshot,
// built once per snapshot: the members sorted by name, and every instance
// by service name, whatever its health or its member's status. (The
// snapshot's own index serves only the nearest query, which skips
// unhealthy instances.)
type directory struct {
	snap    *catalog.Snapshot
	members []catalog.Record
	// byName indexes members by ID.
	byName map[string]int
	// instances maps a service name to its instances, sorted by member
	// then service ID.
	instances   map[string][]instanceRef
	datacenters []string
}

// instanceRef is members[member].Services[pos].
type instanceRef struct {
	member, pos int
}

func (d *directory) record(ref instanceRef) *catalog.Record { return &d.members[ref.member] }
func (d *directory) service(ref instanceRef) *catalog.Service {
	return &d.members[ref.member].Services[ref.pos]
}

// member returns the record of member name.
func (d *directory) member(name string) (*catalog.Record, bool) {
	i, ok := d.byName[name]
	if !ok {
		return nil, false
	}
	return &d.members[i], true
}

func newDirectory(snap *catalog.Snapshot) *directory {
	d := &directory{snap: snap, instances: make(map[string][]instanceRef)}
	if snap == nil {
		return d
	}
	d.members = snap.Members()
	d.byName = make(map[string]int, len(d.members))
	for i := range d.members {
		r := &d.members[i]
		d.byName[string(r.Member.ID)] = i
		if r.Datacenter != "" {
			d.datacenters = append(d.datacenters, r.Datacenter)
		}
		for pos := range r.Services {
			name := r.Services[pos].Name
			d.instances[name] = append(d.instances[name], instanceRef{member: i, pos: pos})
		}
	}
	slices.Sort(d.datacenters)
	d.datacenters = slices.Compact(d.datacenters)
	return d
}

// directoryCache keeps the directory of the latest snapshot.
type directoryCache struct {
	mu   sync.Mutex
	last *directory
}

// get returns the directory of st's catalog, building it at most once per
// snapshot.
func (c *directoryCache) get(st *node.View) *directory {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last != nil && c.last.snap == st.Catalog {
		return c.last
	}
	c.last = newDirectory(st.Catalog)
	return c.last
}
