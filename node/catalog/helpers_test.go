package catalog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// testDim is the coordinate dimensionality of the test catalogs: two, so
// that distances are easy to work out by hand.
const testDim = 2

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// newTestCatalog returns a catalog of node "self" with 2-dimensional
// coordinates, after edit has changed the config.
func newTestCatalog(t testing.TB, edit func(*Config)) *Catalog {
	t.Helper()
	cfg := Config{Self: "self", Dimensionality: testDim}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	require.NoError(t, err)
	return c
}

// at returns a 2-dimensional coordinate at (x, y) seconds with no height,
// so that the distance between two is their Euclidean distance.
func at(x, y float64) *vivaldi.Coordinate {
	return &vivaldi.Coordinate{Vec: []float64{x, y}}
}

// liveness returns a liveness-only record.
func liveness(id overlay.NodeID, inc uint64, s Status) Record {
	return Record{Member: overlay.Peer{ID: id}, Incarnation: inc, Status: s}
}

// owned returns an alive record at incarnation 1 with owner part (1,
// version), an address, datacenter dc and the services given.
func owned(id overlay.NodeID, version uint64, dc string, c *vivaldi.Coordinate, svcs ...Service) Record {
	return Record{
		Member:           overlay.Peer{ID: id, Addr: string(id) + ":7946"},
		Datacenter:       dc,
		Incarnation:      1,
		Status:           Alive,
		OwnerIncarnation: 1,
		Version:          version,
		Coordinate:       c,
		Services:         svcs,
	}
}

func svc(id, name string, h Health, tags ...string) Service {
	return Service{ID: id, Name: name, Port: 80, Health: h, Tags: tags}
}

// mustApply applies r and fails the test on an error.
func mustApply(t testing.TB, c *Catalog, now time.Time, rs ...Record) {
	t.Helper()
	for _, r := range rs {
		_, err := c.Apply(now, r)
		require.NoError(t, err)
	}
}
