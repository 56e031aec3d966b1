package sim

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestQueueOrder interleaves random pushes and pops and checks every pop
// against a reference that keeps one FIFO per time: earliest time first,
// ties in push order.
func TestQueueOrder(t *testing.T) {
	const times = 50 // few distinct times, many ties
	rng := rand.New(rand.NewPCG(1, 2))
	var q queue
	var ref [times][]int64 // push numbers waiting at each time
	pending := 0
	var pushed int64
	for range 50000 {
		if pending == 0 || rng.IntN(3) > 0 {
			at := rng.Int64N(times)
			q.push(at, event{size: pushed})
			ref[at] = append(ref[at], pushed)
			pushed++
			pending++
			continue
		}
		at, ev := q.pop()
		pending--
		first := 0
		for len(ref[first]) == 0 {
			first++
		}
		require.Equal(t, int64(first), at, "earliest time first")
		require.Equal(t, ref[first][0], ev.size, "ties in push order")
		ref[first] = ref[first][1:]
		require.Equal(t, pending, q.len())
	}
	require.Less(t, len(q.slots), int(pushed), "slots are reused")
}
