package vivaldi

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

// FuzzUpdate feeds arbitrary remote coordinates, peers and RTTs to a node
// that has already converged a little: Update must never panic, must
// refuse exactly what check refuses, and must leave the node's own
// coordinate valid, its height at least HeightMin and its error at most
// VivaldiErrorMax.
func FuzzUpdate(f *testing.F) {
	f.Add("peer", uint8(2), 0.01, -0.02, 0.5, 0.001, 0.002, int64(20*time.Millisecond), uint8(3))
	f.Add("peer", uint8(2), 0.0, 0.0, 0.0, 0.0, 0.0, int64(1), uint8(1))
	f.Add("x", uint8(2), 1e6, -1e6, 1e6, -1e6, 1e6, int64(MaxRTT), uint8(1))
	f.Add("", uint8(3), math.NaN(), math.Inf(1), -1.0, math.Inf(-1), -1.0, int64(-1), uint8(1))
	f.Add("p", uint8(2), 1e300, 1e-300, 1e308, -1e308, 5e-324, int64(math.MaxInt64), uint8(200))
	f.Fuzz(func(t *testing.T, peer string, dim uint8, x, y, errEst, adj, height float64, rttNanos int64, repeat uint8) {
		cfg := Config{Rand: rand.New(rand.NewPCG(1, 1)), Dimensionality: 2, MaxPeers: 4}
		n, err := New(cfg)
		require.NoError(t, err)
		warm := rand.New(rand.NewPCG(2, 2))
		for i := range 20 {
			_, err := n.Update(overlay.NodeID(rune('a'+i%5)), randomCoordinate(warm, 2), time.Duration(1+warm.Int64N(int64(time.Second))))
			require.NoError(t, err)
		}

		other := Coordinate{Vec: make([]float64, dim%4), Error: errEst, Adjustment: adj, Height: height}
		for i := range other.Vec {
			other.Vec[i] = [2]float64{x, y}[i%2]
		}
		rtt := time.Duration(rttNanos)
		wantErr := n.check(overlay.NodeID(peer), other, rtt)
		hmin := n.cfg.HeightMin.Seconds()
		for range 1 + int(repeat%8) {
			before := n.Coordinate()
			got, err := n.Update(overlay.NodeID(peer), other, rtt)
			if wantErr != nil {
				require.Error(t, err)
				require.Equal(t, before, got)
			} else {
				require.NoError(t, err)
			}
			own := n.Coordinate()
			require.Equal(t, own, got)
			require.NoError(t, own.Validate(2))
			require.GreaterOrEqual(t, own.Height, hmin)
			require.LessOrEqual(t, own.Error, cfg.withDefaults().VivaldiErrorMax)
			require.GreaterOrEqual(t, n.DistanceTo(other), time.Duration(0))
			require.LessOrEqual(t, n.Stats().TrackedPeers, 4)
		}
	})
}
