package vivaldi

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestShiftOfAStillCoordinateIsZeroWhateverItsHeight(t *testing.T) {
	c := Coordinate{Vec: []float64{3 * ms, 4 * ms}, Height: 30 * ms, Adjustment: 2 * ms}
	require.Zero(t, c.Shift(c.clone()))
	require.Positive(t, c.DistanceTo(c.clone()), "the RTT between two nodes at one position is not zero")
}

func TestShiftBoundsTheChangeOfEveryEstimate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		dim := 1 + rng.IntN(8)
		before, after, third := randomCoordinate(rng, dim), randomCoordinate(rng, dim), randomCoordinate(rng, dim)
		if rng.IntN(2) == 0 {
			after = before.clone() // small moves too
			after.Vec[0] += (rng.Float64() - 0.5) * 10 * ms
			after.Height += rng.Float64() * ms
		}
		if before.estimate(third) != before.adjusted(third) || after.estimate(third) != after.adjusted(third) {
			continue // the fallback to the raw distance is outside the bound
		}
		change := before.DistanceTo(third) - after.DistanceTo(third)
		require.LessOrEqual(t, max(change, -change), before.Shift(after)+time.Nanosecond, "%+v %+v %+v", before, after, third)
		require.Equal(t, before.Shift(after), after.Shift(before))
	}
}

// adjusted is the estimate from c to other with the adjustments, even
// where estimate falls back on the raw distance.
func (c Coordinate) adjusted(other Coordinate) float64 {
	return c.rawDistance(other) + c.Adjustment + other.Adjustment
}
