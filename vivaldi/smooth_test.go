package vivaldi

import (
	"testing"
	"time"

	"github.com/overlayd/overlayd/overlay"

	"github.com/stretchr/testify/require"
)

func TestSmoothedStartsAsTheMeanThenForgetsOldUpdates(t *testing.T) {
	s := newSmoothed(4, Coordinate{Vec: []float64{0}, Error: 1.5})
	s.add(Coordinate{Vec: []float64{10 * ms}, Height: 2 * ms, Error: 1})
	require.InDelta(t, 10*ms, s.coord.Vec[0], 1e-12, "the first update replaces the start")
	require.InDelta(t, 1.0, s.coord.Error, 1e-12)
	s.add(Coordinate{Vec: []float64{20 * ms}, Height: 4 * ms, Error: 0.5})
	require.InDelta(t, 15*ms, s.coord.Vec[0], 1e-12, "the mean of two")
	require.InDelta(t, 3*ms, s.coord.Height, 1e-12)
	for range 100 {
		s.add(Coordinate{Vec: []float64{40 * ms}, Height: 4 * ms, Error: 0.1, Adjustment: -1 * ms})
	}
	require.InDelta(t, 40*ms, s.coord.Vec[0], 1e-9, "old updates fade out")
	require.InDelta(t, -1*ms, s.coord.Adjustment, 1e-9)
	before := s.coord.Vec[0]
	s.add(Coordinate{Vec: []float64{80 * ms}})
	require.InDelta(t, before+40*ms/4, s.coord.Vec[0], 1e-12, "past the window, an update weighs 1/window")
	s.reset(Coordinate{Vec: []float64{0}})
	s.add(Coordinate{Vec: []float64{5 * ms}})
	require.InDelta(t, 5*ms, s.coord.Vec[0], 1e-12, "after a reset the average starts again")
}

func TestSmoothedCoordinateJittersLessThanVivaldis(t *testing.T) {
	// A node measuring two fixed peers with noisy RTTs: Vivaldi's own
	// coordinate keeps jumping with each sample; the smoothed one stays.
	n := newTestNode(t, 2)
	a := Coordinate{Vec: []float64{0, 0}, Error: 0.1, Height: DefaultHeightMin.Seconds()}
	b := Coordinate{Vec: []float64{100 * ms, 0}, Error: 0.1, Height: DefaultHeightMin.Seconds()}
	rtts := []float64{45, 60, 52, 40, 58, 47, 55}
	var rawMoves, smoothMoves float64
	prevRaw, prevSmooth := n.Coordinate(), n.Smoothed()
	for k := range 400 {
		peer, at := overlay.NodeID("a"), a
		if k%2 == 1 {
			peer, at = "b", b
		}
		_, err := n.Update(peer, at, time.Duration(rtts[k%len(rtts)]*float64(time.Millisecond)))
		require.NoError(t, err)
		if k >= 200 {
			rawMoves += float64(n.Coordinate().Shift(prevRaw))
			smoothMoves += float64(n.Smoothed().Shift(prevSmooth))
		}
		prevRaw, prevSmooth = n.Coordinate(), n.Smoothed()
	}
	require.NoError(t, n.Smoothed().Validate(2))
	require.Less(t, smoothMoves, rawMoves/4)
}
