package vivaldi

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const ms = float64(time.Millisecond) / float64(time.Second) // one millisecond in seconds

// newTestNode returns a node of dimensionality dim, the other fields at
// their defaults unless mutate changes them.
func newTestNode(t testing.TB, dim int, mutate ...func(*Config)) *Node {
	t.Helper()
	cfg := Config{Rand: rand.New(rand.NewPCG(1, 2)), Dimensionality: dim}
	for _, m := range mutate {
		m(&cfg)
	}
	n, err := New(cfg)
	require.NoError(t, err)
	return n
}

// randomCoordinate draws a valid coordinate of dimensionality dim, with
// components and heights up to about half a second.
func randomCoordinate(rng *rand.Rand, dim int) Coordinate {
	c := Coordinate{
		Vec:        make([]float64, dim),
		Error:      rng.Float64() * DefaultVivaldiErrorMax,
		Adjustment: (rng.Float64() - 0.5) * 0.1,
		Height:     rng.Float64() * 0.05,
	}
	for i := range c.Vec {
		c.Vec[i] = (rng.Float64() - 0.5) * 0.5
	}
	return c
}
