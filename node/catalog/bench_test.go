package catalog

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// benchCatalog returns a catalog of 10,000 members with coordinates of the
// default dimensionality, 1,000 of which offer one instance of "web" (in
// dc1, or all in dc2 with failover), the rest other services.
func benchCatalog(b *testing.B, failover bool) (*Catalog, vivaldi.Coordinate) {
	rng := rand.New(rand.NewPCG(1, 1))
	c, err := New(Config{Self: "self"})
	if err != nil {
		b.Fatal(err)
	}
	coord := func() *vivaldi.Coordinate {
		v := make([]float64, vivaldi.DefaultDimensionality)
		for i := range v {
			v[i] = rng.Float64() * 0.1
		}
		return &vivaldi.Coordinate{Vec: v, Error: 0.2, Height: 1e-4}
	}
	for i := range 10_000 {
		id := overlay.NodeID(fmt.Sprintf("node-%05d", i))
		dc, s := "dc1", svc("api-1", fmt.Sprintf("api-%d", i%100), Passing)
		if i%10 == 0 {
			s = svc("web-1", "web", Passing, "v1")
			if failover {
				dc = "dc2"
			}
		}
		if _, err := c.Apply(t0, owned(id, 1, dc, coord(), s)); err != nil {
			b.Fatal(err)
		}
	}
	return c, *coord()
}

// BenchmarkNearest queries the 3 nearest passing instances among 1,000
// (all passing) instances of a service in a catalog of 10,000 members, and
// reports the 99th percentile of the query time.
func BenchmarkNearest(b *testing.B) {
	for _, failover := range []bool{false, true} {
		b.Run(fmt.Sprintf("failover=%v", failover), func(b *testing.B) {
			c, from := benchCatalog(b, failover)
			snap := c.Snapshot()
			q := Query{Service: "web", Datacenter: "dc1", From: from, N: 3}
			if n := len(snap.Nearest(q).Instances); n != 3 {
				b.Fatalf("%d instances", n)
			}
			durations := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				snap.Nearest(q)
				durations = append(durations, time.Since(start))
			}
			slices.Sort(durations)
			b.ReportMetric(float64(durations[len(durations)*99/100]), "p99-ns")
		})
	}
}

// BenchmarkApplyAndSnapshot changes one member's coordinate and takes a
// snapshot, as the runtime does after each change, in a catalog of 10,000
// members.
func BenchmarkApplyAndSnapshot(b *testing.B) {
	c, _ := benchCatalog(b, false)
	base, _ := c.Get("node-00010")
	b.ReportAllocs()
	version := base.Version
	for b.Loop() {
		version++
		r := base
		r.Version = version
		if _, err := c.Apply(t0, r); err != nil {
			b.Fatal(err)
		}
		c.Snapshot()
	}
}
