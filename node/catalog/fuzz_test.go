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

// FuzzApplyOrder builds up to five records of a few members from the input
// and applies them to catalogs in every order, and once more repeated:
// every catalog must end with the same records and the same digest.
func FuzzApplyOrder(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30})
	f.Add([]byte("\x00\x02\x01\x01\x01\x01\x02\x02\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x02\x01\x01\x01\x01\x02\x02\x01\x02\x03\x00\x01\x02\x00\x01"))
	cfg := Config{Self: "self", Dimensionality: testDim}.withDefaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		ch := &byteChooser{data: data}
		var updates []Record
		for range 1 + ch.IntN(5) {
			if r := genRecord(ch); cfg.validateRecord(&r) == nil {
				updates = append(updates, r)
			}
		}
		want := newTestCatalog(t, nil)
		mustApply(t, want, t0, updates...)
		mustApply(t, want, t0, updates...) // idempotent
		for _, order := range permutations(len(updates)) {
			got := newTestCatalog(t, nil)
			for _, i := range order {
				mustApply(t, got, t0, updates[i])
			}
			require.Equal(t, want.Members(), got.Members(), "order %v", order)
			require.Equal(t, want.Digest(3), got.Digest(3), "order %v", order)
		}
	})
}

// permutations returns every order of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int(nil), p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}
