package catalog

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

// foldMerge is the expected catalog content: every member's records merged
// by Merge, their empty slices and maps made nil, sorted by ID.
func foldMerge(rs []Record) []Record {
	byID := map[overlay.NodeID]Record{}
	for _, r := range rs {
		if prev, ok := byID[r.Member.ID]; ok {
			byID[r.Member.ID] = Merge(prev, r.Clone())
		} else {
			byID[r.Member.ID] = r.Clone()
		}
	}
	out := make([]Record, 0, len(byID))
	for _, r := range byID {
		out = append(out, r)
	}
	sortByID(out)
	return out
}

// TestCatalogConvergesWhateverTheOrder applies random record sets in
// random orders, with duplicates, and through two catalogs that then
// exchange the buckets their digests disagree on: every way must end in
// the same members, equal to merging each member's records.
func TestCatalogConvergesWhateverTheOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 300 {
		rs := make([]Record, 1+rng.IntN(12))
		for i := range rs {
			rs[i] = genRecord(rng)
		}
		want := foldMerge(rs)

		for range 3 {
			order := append([]Record(nil), rs...)
			for range rng.IntN(4) {
				order = append(order, rs[rng.IntN(len(rs))]) // duplicates
			}
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			c := newTestCatalog(t, nil)
			mustApply(t, c, t0, order...)
			require.Equal(t, want, c.Members(), "trial %d", trial)
		}

		a, b := newTestCatalog(t, nil), newTestCatalog(t, nil)
		for _, r := range rs {
			mustApply(t, pick(rng, a, b), t0, r)
		}
		antiEntropy(t, a, b, 1+rng.IntN(8))
		require.Equal(t, want, a.Members(), "trial %d", trial)
		require.Equal(t, want, b.Members(), "trial %d", trial)
		require.Equal(t, a.Digest(4), b.Digest(4))
	}
}

// antiEntropy runs one push-pull between a and b: the buckets whose
// digests differ are sent both ways.
func antiEntropy(t *testing.T, a, b *Catalog, buckets int) {
	da, db := a.Digest(buckets), b.Digest(buckets)
	for i := range da {
		if da[i] == db[i] {
			continue
		}
		fromA, fromB := a.Buckets([]uint16{uint16(i)}, buckets), b.Buckets([]uint16{uint16(i)}, buckets)
		mustApply(t, b, t0, fromA...)
		mustApply(t, a, t0, fromB...)
	}
}

func TestMergeLaws(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		a, b, c := genRecord(rng), genRecord(rng), genRecord(rng)
		b.Member.ID, c.Member.ID = a.Member.ID, a.Member.ID
		checkMergeLaws(t, a, b, c)
	}
}

func checkMergeLaws(t *testing.T, a, b, c Record) {
	t.Helper()
	require.Equal(t, a, Merge(a, a), "idempotent")
	require.Equal(t, Merge(a, b), Merge(b, a), "commutative")
	require.Equal(t, Merge(Merge(a, b), c), Merge(a, Merge(b, c)), "associative")
}
