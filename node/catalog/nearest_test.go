package catalog

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// nearestCatalog is a small cluster around node "self" at the origin of
// dc1. Distances are in seconds.
func nearestCatalog(t *testing.T) *Catalog {
	c := newTestCatalog(t, nil)
	suspect := owned("s", 1, "dc1", at(4, 0), svc("web-1", "web", Passing))
	suspect.Status = Suspect
	dead := owned("e", 1, "dc1", at(0.5, 0), svc("web-1", "web", Passing))
	dead.Status = Dead
	mustApply(t, c, t0,
		owned("self", 1, "dc1", at(0, 0)),
		owned("a", 1, "dc1", at(3, 0), svc("web-1", "web", Passing, "v1")),
		owned("b", 1, "dc1", at(1, 0), svc("web-1", "web", Warning)),
		owned("c", 1, "dc1", at(0, 2), svc("web-1", "web", Passing, "v2"), svc("web-2", "web", Passing)),
		owned("d", 1, "dc1", nil, svc("web-1", "web", Passing)),
		dead,
		owned("f", 1, "dc1", at(0.1, 0), svc("web-1", "web", Critical)),
		suspect,
		owned("g", 1, "dc2", at(10, 0), svc("db-1", "db", Passing), svc("web-1", "web", Passing)),
		owned("h", 1, "dc3", at(5, 0), svc("db-1", "db", Passing)),
		owned("i", 1, "dc3", at(-20, 0), svc("db-1", "db", Passing)),
	)
	return c
}

func TestNearest(t *testing.T) {
	tests := []struct {
		name       string
		q          Query
		want       []string // member/service, in order
		dc         string
		failedOver bool
	}{
		{"passing instances of live members, nearest first, unknown last",
			Query{Service: "web"}, []string{"c/web-1", "c/web-2", "a/web-1", "s/web-1", "d/web-1"}, "dc1", false},
		{"warning admitted on request",
			Query{Service: "web", IncludeWarning: true}, []string{"b/web-1", "c/web-1", "c/web-2", "a/web-1", "s/web-1", "d/web-1"}, "dc1", false},
		{"tag filter", Query{Service: "web", Tag: "v2"}, []string{"c/web-1"}, "dc1", false},
		{"N, ties by member then service ID", Query{Service: "web", N: 2}, []string{"c/web-1", "c/web-2"}, "dc1", false},
		{"explicit origin", Query{Service: "web", From: *at(10, 0)}, []string{"s/web-1", "a/web-1", "c/web-1", "c/web-2", "d/web-1"}, "dc1", false},
		{"invalid origin: every estimate unknown, by ID",
			Query{Service: "web", From: vivaldi.Coordinate{Vec: []float64{1, 2, 3}}},
			[]string{"a/web-1", "c/web-1", "c/web-2", "d/web-1", "s/web-1"}, "dc1", false},
		{"failover to the datacenter with the nearest instance",
			Query{Service: "db"}, []string{"h/db-1", "i/db-1"}, "dc3", true},
		{"failover from an unknown datacenter",
			Query{Service: "web", Datacenter: "dc9", N: 1}, []string{"c/web-1"}, "dc1", true},
		{"explicit datacenter", Query{Service: "db", Datacenter: "dc2"}, []string{"g/db-1"}, "dc2", false},
		{"asker's datacenter", Query{Service: "web", FromDatacenter: "dc2"}, []string{"g/web-1"}, "dc2", false},
		{"failover finds nothing", Query{Service: "web", Tag: "nope"}, nil, "dc1", false},
		{"unknown service", Query{Service: "nope"}, nil, "dc1", false},
	}
	snap := nearestCatalog(t).Snapshot()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := snap.Nearest(tt.q)
			var got []string
			for _, in := range res.Instances {
				got = append(got, string(in.Member.ID)+"/"+in.Service.ID)
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.dc, res.Datacenter)
			assert.Equal(t, tt.failedOver, res.FailedOver)
		})
	}
}

func TestNearestInstanceFields(t *testing.T) {
	res := nearestCatalog(t).Snapshot().Nearest(Query{Service: "web"})
	first, last := res.Instances[0], res.Instances[len(res.Instances)-1]
	assert.Equal(t, Instance{
		Member:       first.Member,
		Datacenter:   "dc1",
		Status:       Alive,
		Coordinate:   at(0, 2),
		Service:      svc("web-1", "web", Passing, "v2"),
		EstimatedRTT: 2 * time.Second,
		RTTKnown:     true,
	}, first)
	assert.Equal(t, "c:7946", first.Member.Addr)
	assert.False(t, last.RTTKnown, "d has no coordinate")
	assert.Equal(t, Suspect, res.Instances[3].Status)
}

// TestNearestWithoutOwnCoordinate: when this node has no coordinate yet,
// every estimate is unknown and the order is by ID.
func TestNearestWithoutOwnCoordinate(t *testing.T) {
	c := newTestCatalog(t, nil)
	mustApply(t, c, t0,
		owned("self", 1, "dc1", nil),
		owned("b", 1, "dc1", at(1, 0), svc("w", "web", Passing)),
		owned("a", 1, "dc1", at(2, 0), svc("w", "web", Passing)))
	res := c.Snapshot().Nearest(Query{Service: "web"})
	assert.Equal(t, []string{"a", "b"}, []string{string(res.Instances[0].Member.ID), string(res.Instances[1].Member.ID)})
	assert.False(t, res.Instances[0].RTTKnown)
}

func TestIndexForgetsServicesNobodyOffers(t *testing.T) {
	c := newTestCatalog(t, nil)
	mustApply(t, c, t0, owned("a", 1, "dc1", nil, svc("d", "db", Passing)))
	assert.Len(t, c.Snapshot().Nearest(Query{Service: "db", Datacenter: "dc1"}).Instances, 1)
	mustApply(t, c, t0, owned("a", 2, "dc1", nil))
	snap := c.Snapshot()
	assert.Empty(t, snap.Nearest(Query{Service: "db", Datacenter: "dc1"}).Instances)
	_, ok := snap.services.get("db", hashString("db"))
	assert.False(t, ok)
}

// TestSelection checks both ways of keeping the nearest N against a full
// sort.
func TestSelection(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	var all []candidate
	for i := range 200 {
		r := liveness(overlay.NodeID(fmt.Sprintf("m%03d", rng.IntN(50))), 1, Alive)
		r.Services = []Service{svc(fmt.Sprint(i), "web", Passing)}
		all = append(all, candidate{e: &entry{rec: r}, rtt: time.Duration(rng.IntN(20)), known: rng.IntN(4) > 0})
	}
	sorted := slices.SortedFunc(slices.Values(all), cmpCandidate)
	for _, n := range []int{0, 1, 3, maxInsertion, maxInsertion + 1, 150, 500} {
		sel := newSelection(n)
		for _, c := range all {
			sel.offer(c)
		}
		want := sorted
		if n > 0 && n < len(sorted) {
			want = sorted[:n]
		}
		assert.Equal(t, want, sel.result(), "n=%d", n)
	}
}

// TestNearestRanksByMeasuredRTTs: a measured RTT replaces the estimate of
// its member's instances, including one with no coordinate, and the
// instance says it was measured.
func TestNearestRanksByMeasuredRTTs(t *testing.T) {
	measured := map[overlay.NodeID]time.Duration{"a": 500 * time.Millisecond, "d": time.Second, "s": 5 * time.Second}
	lookup := func(id overlay.NodeID) (time.Duration, bool) {
		rtt, ok := measured[id]
		return rtt, ok
	}
	res := nearestCatalog(t).Snapshot().Nearest(Query{Service: "web", Measured: lookup})
	var got []string
	for _, in := range res.Instances {
		got = append(got, fmt.Sprintf("%s/%s %v %v", in.Member.ID, in.Service.ID, in.EstimatedRTT, in.RTTMeasured))
	}
	assert.Equal(t, []string{"a/web-1 500ms true", "d/web-1 1s true", "c/web-1 2s false", "c/web-2 2s false", "s/web-1 5s true"}, got)
}

func TestServiceNames(t *testing.T) {
	assert.Equal(t, []string{"db", "web"}, nearestCatalog(t).Snapshot().ServiceNames())
	assert.Empty(t, newTestCatalog(t, nil).Snapshot().ServiceNames())
}
