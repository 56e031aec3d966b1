package vivaldi

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCoordinateValidate(t *testing.T) {
	valid := func() Coordinate {
		return Coordinate{Vec: []float64{0.01, -0.02}, Error: 0.5, Adjustment: -0.001, Height: 0.003}
	}
	tests := []struct {
		name    string
		mutate  func(*Coordinate)
		wantErr string
	}{
		{"valid", func(*Coordinate) {}, ""},
		{"origin with zero height and error", func(c *Coordinate) { *c = Coordinate{Vec: []float64{0, 0}} }, ""},
		{"largest magnitudes", func(c *Coordinate) {
			*c = Coordinate{Vec: []float64{maxMagnitude, -maxMagnitude}, Error: maxMagnitude, Adjustment: -maxMagnitude, Height: maxMagnitude}
		}, ""},
		{"too few dimensions", func(c *Coordinate) { c.Vec = c.Vec[:1] }, "1 dimensions, want 2"},
		{"too many dimensions", func(c *Coordinate) { c.Vec = append(c.Vec, 0) }, "3 dimensions, want 2"},
		{"no vector", func(c *Coordinate) { c.Vec = nil }, "0 dimensions"},
		{"NaN component", func(c *Coordinate) { c.Vec[1] = math.NaN() }, "component 1"},
		{"infinite component", func(c *Coordinate) { c.Vec[0] = math.Inf(-1) }, "component 0"},
		{"absurd component", func(c *Coordinate) { c.Vec[0] = 2 * maxMagnitude }, "component 0"},
		{"negative error", func(c *Coordinate) { c.Error = -0.1 }, "error estimate"},
		{"NaN error", func(c *Coordinate) { c.Error = math.NaN() }, "error estimate"},
		{"infinite error", func(c *Coordinate) { c.Error = math.Inf(1) }, "error estimate"},
		{"negative height", func(c *Coordinate) { c.Height = -1e-9 }, "height"},
		{"NaN height", func(c *Coordinate) { c.Height = math.NaN() }, "height"},
		{"infinite adjustment", func(c *Coordinate) { c.Adjustment = math.Inf(-1) }, "adjustment"},
		{"NaN adjustment", func(c *Coordinate) { c.Adjustment = math.NaN() }, "adjustment"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.mutate(&c)
			err := c.Validate(2)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidCoordinate)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

func TestCoordinateDistanceTo(t *testing.T) {
	tests := []struct {
		name string
		a, b Coordinate
		want time.Duration
	}{
		{"same point", Coordinate{Vec: []float64{1 * ms, 2 * ms}}, Coordinate{Vec: []float64{1 * ms, 2 * ms}}, 0},
		{"3-4-5 triangle", Coordinate{Vec: []float64{0, 0}}, Coordinate{Vec: []float64{3 * ms, 4 * ms}}, 5 * time.Millisecond},
		{"heights add", Coordinate{Vec: []float64{0, 0}, Height: 1 * ms}, Coordinate{Vec: []float64{3 * ms, 4 * ms}, Height: 2 * ms}, 8 * time.Millisecond},
		{"adjustments add",
			Coordinate{Vec: []float64{0, 0}, Height: 1 * ms, Adjustment: 0.5 * ms},
			Coordinate{Vec: []float64{3 * ms, 4 * ms}, Height: 2 * ms, Adjustment: -2 * ms}, 6500 * time.Microsecond},
		{"adjustments that would go negative are ignored",
			Coordinate{Vec: []float64{0, 0}, Height: 1 * ms, Adjustment: -5 * ms},
			Coordinate{Vec: []float64{3 * ms, 4 * ms}, Height: 2 * ms, Adjustment: -3 * ms}, 8 * time.Millisecond},
		{"adjustments that reach exactly zero are ignored",
			Coordinate{Vec: []float64{0, 0}, Adjustment: -2 * ms},
			Coordinate{Vec: []float64{3 * ms, 4 * ms}, Adjustment: -3 * ms}, 5 * time.Millisecond},
		{"missing components count as zero", Coordinate{Vec: []float64{3 * ms}}, Coordinate{Vec: []float64{0, 4 * ms}}, 5 * time.Millisecond},
		{"NaN is no distance", Coordinate{Vec: []float64{math.NaN()}}, Coordinate{Vec: []float64{0}}, 0},
		{"negative heights give no negative distance", Coordinate{Vec: []float64{0}, Height: -1}, Coordinate{Vec: []float64{0}}, 0},
		{"infinite saturates", Coordinate{Vec: []float64{math.Inf(1)}}, Coordinate{Vec: []float64{0}}, math.MaxInt64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.InDelta(t, float64(tc.want), float64(tc.a.DistanceTo(tc.b)), 1, "a to b")
			assert.InDelta(t, float64(tc.want), float64(tc.b.DistanceTo(tc.a)), 1, "b to a")
		})
	}
}

func TestDistanceToIsSymmetricAndNonNegative(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		a := randomCoordinate(rng, 1+rng.IntN(8))
		b := randomCoordinate(rng, 1+rng.IntN(8))
		// Large negative adjustments exercise the fallback to the raw
		// distance.
		a.Adjustment *= 20
		b.Adjustment *= 20
		d := a.DistanceTo(b)
		require.Equal(t, d, b.DistanceTo(a), "%+v %+v", a, b)
		require.GreaterOrEqual(t, d, time.Duration(0))
		require.Zero(t, a.DistanceTo(Coordinate{Vec: a.Vec, Height: -a.Height, Adjustment: -a.Adjustment}))
	}
}
