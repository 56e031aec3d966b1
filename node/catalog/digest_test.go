package catalog

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

// digestRecords returns 50 members with owner data and services.
func digestRecords() []Record {
	var rs []Record
	for i := range 50 {
		id := overlay.NodeID(fmt.Sprintf("node-%02d", i))
		rs = append(rs, owned(id, uint64(i%3+1), "dc1", at(float64(i), 0), svc("s", "web", Passing)))
	}
	return rs
}

func TestDigestOfEqualCatalogsIsEqual(t *testing.T) {
	rs := digestRecords()
	a, b := newTestCatalog(t, nil), newTestCatalog(t, nil)
	mustApply(t, a, t0, rs...)
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
	mustApply(t, b, t0, rs...)
	for _, n := range []int{1, 7, 64} {
		assert.Equal(t, a.Digest(n), b.Digest(n), "%d buckets", n)
		assert.Len(t, a.Digest(n), n)
	}
	assert.Nil(t, a.Digest(0))
}

func TestDigestFindsTheDifferingBucket(t *testing.T) {
	const buckets = 16
	tests := []struct {
		name   string
		change Record
	}{
		{"liveness", liveness("node-07", 1, Suspect)},
		{"owner version", owned("node-07", 5, "dc1", at(7, 0), svc("s", "web", Passing))},
		{"new member", liveness("node-99", 1, Alive)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := newTestCatalog(t, nil), newTestCatalog(t, nil)
			mustApply(t, a, t0, digestRecords()...)
			mustApply(t, b, t0, digestRecords()...)
			mustApply(t, b, t0, tt.change)
			da, db := a.Digest(buckets), b.Digest(buckets)
			want := int(hashString(tt.change.Member.ID) % buckets)
			for i := range da {
				assert.Equal(t, i != want, da[i] == db[i], "bucket %d", i)
			}
			// Exchanging the differing bucket reconciles the two.
			for _, r := range b.Buckets([]uint16{uint16(want)}, buckets) {
				mustApply(t, a, t0, r)
			}
			assert.Equal(t, a.Digest(buckets), b.Digest(buckets))
			assert.Equal(t, a.Members(), b.Members())
		})
	}
}

func TestBucketsPartitionTheMembers(t *testing.T) {
	const buckets = 8
	c := newTestCatalog(t, nil)
	mustApply(t, c, t0, digestRecords()...)
	var all []Record
	for i := range uint16(buckets) {
		b := c.Buckets([]uint16{i}, buckets)
		assert.IsIncreasing(t, ids(b), "bucket %d is sorted by ID", i)
		for _, r := range b {
			assert.Equal(t, uint64(i), hashString(r.Member.ID)%buckets)
		}
		all = append(all, b...)
	}
	sortByID(all)
	require.Equal(t, c.Members(), all)
	assert.Equal(t, c.Members(), c.Buckets([]uint16{7, 0, 1, 2, 3, 4, 5, 6, 6, 9}, buckets), "several buckets at once, repeats and strays ignored")
	assert.Nil(t, c.Buckets([]uint16{buckets}, buckets))
	assert.Nil(t, c.Buckets(nil, buckets))
	assert.Nil(t, c.Buckets([]uint16{0}, 0))
}

func TestHashStringIsFNV1a64(t *testing.T) {
	// Test vectors of the FNV reference implementation.
	assert.Equal(t, uint64(0xcbf29ce484222325), hashString(""))
	assert.Equal(t, uint64(0xaf63dc4c8601ec8c), hashString("a"))
	assert.Equal(t, uint64(0x85944171f73967e8), hashString("foobar"))
}
