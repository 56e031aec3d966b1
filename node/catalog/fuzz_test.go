package catalog

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzMerge builds three records of one member from the input and, if they
// are valid, checks that Merge is idempotent, commutative and associative
// on them, and that a catalog given them in two orders ends up the same.
func FuzzMerge(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	f.Add([]byte("\x00\x02\x01\x01\x01\x01\x02\x02\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x02\x01\x01\x01\x01\x02\x02"))
	cfg := Config{Self: "self", Dimensionality: testDim}.withDefaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		ch := &byteChooser{data: data}
		a, b, c := genRecord(ch), genRecord(ch), genRecord(ch)
		b.Member.ID, c.Member.ID = a.Member.ID, a.Member.ID
		for _, r := range []*Record{&a, &b, &c} {
			if cfg.validateRecord(r) != nil {
				Merge(*r, a) // must not panic
				return
			}
		}
		checkMergeLaws(t, a, b, c)

		x, y := newTestCatalog(t, nil), newTestCatalog(t, nil)
		mustApply(t, x, t0, a, b, c)
		mustApply(t, y, t0, c, a, b, a)
		require.Equal(t, x.Members(), y.Members())
		require.Equal(t, x.Digest(3), y.Digest(3))
	})
}
