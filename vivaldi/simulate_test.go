package vivaldi

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gridMatrix returns the RTTs, in milliseconds, between side×side nodes
// on a square grid with the given spacing: a truth a 2-D embedding can
// represent exactly.
func gridMatrix(side int, spacing float64) [][]float64 {
	n := side * side
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
		for j := range m[i] {
			m[i][j] = spacing * math.Hypot(float64(i%side-j%side), float64(i/side-j/side))
		}
	}
	return m
}

func TestSimulateEmbedsAGrid(t *testing.T) {
	truth := gridMatrix(5, 10)
	coords, err := Simulate(Config{Dimensionality: 2}, truth, 1000, 1, rand.New(rand.NewPCG(1, 1)), nil)
	require.NoError(t, err)
	require.Len(t, coords, 25)
	acc := Evaluate(coords, truth)
	require.Equal(t, 25*24/2, acc.Pairs)
	require.Less(t, acc.MedianRelErr, 0.02)
	require.Less(t, acc.P90RelErr, 0.05)
	for _, c := range coords {
		require.NoError(t, c.Validate(2))
	}
}

func TestSimulateIsDeterministic(t *testing.T) {
	truth := gridMatrix(4, 10)
	run := func() []Coordinate {
		coords, err := Simulate(Config{Dimensionality: 3}, truth, 50, 2, rand.New(rand.NewPCG(9, 9)), nil)
		require.NoError(t, err)
		return coords
	}
	require.Equal(t, run(), run())
}

func TestSimulateSamplesOnlyValidChoices(t *testing.T) {
	truth := gridMatrix(3, 10)
	truth[0][1] = math.NaN()
	truth[0][2] = 0
	truth[0][3] = -5
	tests := []struct {
		name   string
		choose func(i int, rng *rand.Rand) int
	}{
		{"self", func(i int, _ *rand.Rand) int { return i }},
		{"out of range", func(int, *rand.Rand) int { return 9 }},
		{"negative", func(int, *rand.Rand) int { return -1 }},
		{"missing entries", func(i int, rng *rand.Rand) int {
			if i == 0 {
				return 1 + rng.IntN(3)
			}
			return i
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			coords, err := Simulate(Config{Dimensionality: 2}, truth, 10, 3, rand.New(rand.NewPCG(1, 1)), tc.choose)
			require.NoError(t, err)
			for _, c := range coords {
				require.Equal(t, []float64{0, 0}, c.Vec, "no sample may have been taken")
				require.Equal(t, DefaultVivaldiErrorMax, c.Error)
			}
		})
	}
}

func TestSimulateRejectsBadArguments(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	_, err := Simulate(Config{}, [][]float64{{0, 1}, {1}}, 1, 1, rng, nil)
	require.ErrorIs(t, err, ErrInvalidMatrix)
	_, err = Simulate(Config{}, gridMatrix(2, 1), 1, 1, nil, nil)
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, err = Simulate(Config{VivaldiCC: 2}, gridMatrix(2, 1), 1, 1, rng, nil)
	require.ErrorIs(t, err, ErrInvalidConfig)
}

func TestEvaluate(t *testing.T) {
	// Three nodes on a line at 0, 10 and 30 ms.
	coords := []Coordinate{
		{Vec: []float64{0}}, {Vec: []float64{10 * ms}}, {Vec: []float64{30 * ms}},
	}
	nan := math.NaN()
	tests := []struct {
		name  string
		truth [][]float64
		want  Accuracy
	}{
		{"exact", [][]float64{{0, 10, 30}, {10, 0, 20}, {30, 20, 0}}, Accuracy{0, 0, 3}},
		// Estimates 10, 30, 20 against 20, 30, 30: errors 1/2, 0, 1/3.
		{"mixed", [][]float64{{0, 20, 30}, {20, 0, 30}, {30, 30, 0}}, Accuracy{1.0 / 3, 0.5, 3}},
		{"missing pair skipped", [][]float64{{0, nan, 30}, {nan, 0, 20}, {30, 20, 0}}, Accuracy{0, 0, 2}},
		{"lower triangle used when upper missing", [][]float64{{0, 0, 30}, {20, 0, 20}, {30, 20, 0}}, Accuracy{0, 0.5, 3}},
		{"nothing to compare", [][]float64{{0, nan}, {nan, 0}}, Accuracy{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Evaluate(coords, tc.truth)
			assert.Equal(t, tc.want.Pairs, got.Pairs)
			assert.InDelta(t, tc.want.MedianRelErr, got.MedianRelErr, 1e-9)
			assert.InDelta(t, tc.want.P90RelErr, got.P90RelErr, 1e-9)
		})
	}
}

func TestEvaluateCountsInvalidCoordinatesAsWorst(t *testing.T) {
	coords := []Coordinate{{Vec: []float64{math.NaN()}}, {Vec: []float64{0}}, {Vec: []float64{10 * ms}}, {Vec: []float64{20 * ms}}}
	got := Evaluate(coords, [][]float64{{0, 10, 10, 10}, {10, 0, 10, 20}, {10, 10, 0, 10}, {10, 20, 10, 0}})
	require.Equal(t, 6, got.Pairs)
	require.Zero(t, got.MedianRelErr)
	require.True(t, math.IsInf(got.P90RelErr, 1))
}
