package catalog

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

func TestSnapshotIsReusedUntilSomethingChanges(t *testing.T) {
	c := newTestCatalog(t, nil)
	mustApply(t, c, t0, liveness("a", 1, Alive))
	s1 := c.Snapshot()
	assert.Same(t, s1, c.Snapshot())
	mustApply(t, c, t0, liveness("a", 1, Alive))
	assert.Same(t, s1, c.Snapshot(), "an update that changes nothing keeps the snapshot")
	mustApply(t, c, t0, liveness("a", 1, Suspect))
	assert.NotSame(t, s1, c.Snapshot())
}

func TestSnapshotDoesNotSeeLaterChanges(t *testing.T) {
	c := newTestCatalog(t, func(cfg *Config) { cfg.DeadRetention = time.Hour })
	mustApply(t, c, t0,
		owned("self", 1, "dc1", at(0, 0)),
		owned("a", 1, "dc1", at(1, 0), svc("w", "web", Passing)),
		owned("b", 1, "dc1", at(2, 0), svc("w", "web", Passing)),
		liveness("z", 1, Dead))
	before := c.Snapshot()
	wantMembers := before.Members()

	mustApply(t, c, t0,
		owned("a", 2, "dc2", at(1, 0), svc("w", "web", Passing)), // moves away
		owned("b", 2, "dc1", at(2, 0)),                           // stops offering web
		owned("c", 1, "dc1", at(3, 0), svc("w", "web", Passing)))
	c.Expire(t0.Add(2 * time.Hour))
	after := c.Snapshot()

	assert.Equal(t, wantMembers, before.Members())
	assert.Equal(t, 4, before.Len())
	_, ok := before.Get("z")
	assert.True(t, ok)
	assert.Equal(t, []overlay.NodeID{"a", "b"}, instanceIDs(before.Nearest(Query{Service: "web"})))

	_, ok = after.Get("z")
	assert.False(t, ok)
	assert.Equal(t, 4, after.Len())
	assert.Equal(t, []overlay.NodeID{"c"}, instanceIDs(after.Nearest(Query{Service: "web"})))
	assert.Equal(t, []overlay.NodeID{"a"}, instanceIDs(after.Nearest(Query{Service: "web", Datacenter: "dc2"})))
}

func instanceIDs(r Result) []overlay.NodeID {
	var out []overlay.NodeID
	for _, in := range r.Instances {
		out = append(out, in.Member.ID)
	}
	return out
}

// TestIndexMatchesFullScan drives a catalog through random changes,
// taking snapshots now and then, and checks every Nearest answer against
// one computed by scanning every member of the snapshot.
func TestIndexMatchesFullScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	c := newTestCatalog(t, func(cfg *Config) { cfg.DeadRetention = time.Minute })
	now := t0
	versions := map[overlay.NodeID]uint64{}
	for step := range 3000 {
		id := overlay.NodeID(fmt.Sprintf("m%02d", rng.IntN(40)))
		switch rng.IntN(10) {
		case 0:
			_, err := c.Apply(now, liveness(id, uint64(rng.IntN(4)), Status(1+rng.IntN(4))))
			require.NoError(t, err)
		case 1:
			now = now.Add(time.Duration(rng.IntN(90)) * time.Second)
			c.Expire(now)
		default:
			versions[id]++
			r := randomOwned(rng, id, versions[id])
			r.Incarnation = uint64(rng.IntN(4))
			_, err := c.Apply(now, r)
			require.NoError(t, err)
		}
		if step%7 == 0 {
			snap := c.Snapshot()
			for _, q := range []Query{
				{Service: "web"}, {Service: "db", IncludeWarning: true}, {Service: "web", Tag: "t1", N: 3},
				{Service: "db", Datacenter: "dc2"}, {Service: "web", Datacenter: "dc3", From: *at(5, 5)},
				{Service: "web", IncludeWarning: true, N: maxInsertion + 1},
			} {
				require.Equal(t, scanNearest(snap, q), snap.Nearest(q), "step %d, query %+v", step, q)
			}
		}
	}
}

// randomOwned returns a record of id with random services in one of three
// datacenters.
func randomOwned(rng *rand.Rand, id overlay.NodeID, version uint64) Record {
	var svcs []Service
	for i := range rng.IntN(4) {
		name := []string{"web", "db"}[rng.IntN(2)]
		s := svc(fmt.Sprintf("%d-%s", i, name), name, Health(1+rng.IntN(3)))
		if rng.IntN(2) == 0 {
			s.Tags = []string{"t1"}
		}
		svcs = append(svcs, s)
	}
	var coord = at(float64(rng.IntN(10)), float64(rng.IntN(10)))
	if rng.IntN(5) == 0 {
		coord = nil
	}
	dc := fmt.Sprintf("dc%d", 1+rng.IntN(3))
	return owned(id, version, dc, coord, svcs...)
}

// scanNearest is Nearest by brute force over every member, written from
// its documentation.
func scanNearest(s *Snapshot, q Query) Result {
	self, _ := s.Get(s.self)
	from := q.From
	if len(from.Vec) == 0 && self.Coordinate != nil {
		from = *self.Coordinate
	}
	fromKnown := from.Validate(s.dimensionality) == nil
	byDC := map[string][]Instance{}
	for _, r := range s.Members() {
		if r.Status != Alive && r.Status != Suspect {
			continue
		}
		for _, sv := range r.Services {
			ok := sv.Name == q.Service && (sv.Health == Passing || (q.IncludeWarning && sv.Health == Warning)) &&
				(q.Tag == "" || slices.Contains(sv.Tags, q.Tag))
			if !ok {
				continue
			}
			in := Instance{Member: r.Member, Datacenter: r.Datacenter, Status: r.Status, Coordinate: r.Coordinate, Service: sv}
			if fromKnown && r.Coordinate != nil {
				in.EstimatedRTT, in.RTTKnown = from.DistanceTo(*r.Coordinate), true
			}
			byDC[r.Datacenter] = append(byDC[r.Datacenter], in)
		}
	}
	order := func(a, b Instance) int {
		if a.RTTKnown != b.RTTKnown {
			if a.RTTKnown {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.EstimatedRTT, b.EstimatedRTT),
			strings.Compare(string(a.Member.ID), string(b.Member.ID)), strings.Compare(a.Service.ID, b.Service.ID))
	}
	for _, ins := range byDC {
		slices.SortFunc(ins, order)
	}
	take := func(ins []Instance) []Instance {
		if q.N > 0 && len(ins) > q.N {
			return ins[:q.N]
		}
		return ins
	}
	dc := cmp.Or(q.Datacenter, q.FromDatacenter, self.Datacenter)
	if ins := byDC[dc]; len(ins) > 0 {
		return Result{Instances: take(ins), Datacenter: dc}
	}
	res := Result{Datacenter: dc}
	var best *Instance
	for _, name := range slices.Sorted(maps.Keys(byDC)) {
		first := byDC[name][0]
		if best == nil || (first.RTTKnown && !best.RTTKnown) || (first.RTTKnown == best.RTTKnown && first.EstimatedRTT < best.EstimatedRTT) {
			best, res.Datacenter = &first, name
		}
	}
	if best != nil {
		res.Instances, res.FailedOver = take(byDC[res.Datacenter]), true
	}
	return res
}

// TestSnapshotsAreSafeForConcurrentReaders publishes a snapshot after
// every change while readers query the latest one; run with -race.
func TestSnapshotsAreSafeForConcurrentReaders(t *testing.T) {
	c := newTestCatalog(t, nil)
	mustApply(t, c, t0, owned("self", 1, "dc1", at(0, 0)))
	var published atomic.Pointer[Snapshot]
	published.Store(c.Snapshot())
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				s := published.Load()
				members := s.Members()
				assert.Len(t, members, s.Len())
				for _, in := range s.Nearest(Query{Service: "web", IncludeWarning: true}).Instances {
					r, ok := s.Get(in.Member.ID)
					assert.True(t, ok)
					assert.True(t, r.Status.live())
				}
			}
		})
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		id := overlay.NodeID(fmt.Sprintf("m%03d", rng.IntN(300)))
		r := randomOwned(rng, id, uint64(i+1))
		r.Status = Status(1 + rng.IntN(2))
		mustApply(t, c, t0, r)
		published.Store(c.Snapshot())
	}
	close(done)
	wg.Wait()
}
