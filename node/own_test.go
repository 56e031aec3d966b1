package node

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// TestFirstPlacedCoordinateGoesOutAtOnce: a new node's record leaves at
// join with the origin and the maximum error. Once samples have moved its
// coordinate far from there, the record goes out again at the next Tick
// rather than a CoordinateInterval later; a later move within that
// interval does not.
func TestFirstPlacedCoordinateGoesOutAtOnce(t *testing.T) {
	c, err := New(t0, Config{Self: overlay.Peer{ID: "self", Addr: "10.0.0.1:7946"}, Datacenter: "dc1", Rand: rand.New(rand.NewPCG(1, 2))})
	require.NoError(t, err)
	c.Tick(t0)
	sent := c.Stats().RecordBroadcasts
	own, _ := c.Member("self")
	require.Greater(t, own.Coordinate.Error, 1.0, "the record at start holds the initial error")

	// Peers with settled coordinates far from the origin, 80 ms away.
	now := t0.Add(time.Second)
	for i := range 100 {
		vec := make([]float64, len(c.viv.Coordinate().Vec))
		vec[i%len(vec)] = 0.05 * float64(1+i%3)
		peer := overlay.Peer{ID: overlay.NodeID(rune('a' + i%20)), Addr: "10.0.0.2:7946"}
		c.updateCoordinate(peer, vivaldi.Coordinate{Vec: vec, Error: 0.1}, 80*time.Millisecond, 1)
	}
	require.Less(t, c.viv.Smoothed().Error, own.Coordinate.Error/2, "the samples placed the coordinate")
	c.Tick(now)
	assert.Equal(t, sent+1, c.Stats().RecordBroadcasts, "the placed coordinate went out at the next Tick")
	own, _ = c.Member("self")
	assert.Equal(t, c.viv.Smoothed().Rounded(), *own.Coordinate, "the own record holds the placed coordinate")

	// Move it again: nothing goes out before the interval.
	c.updateCoordinate(overlay.Peer{ID: "z", Addr: "10.0.0.3:7946"}, own.Coordinate.Rounded(), 200*time.Millisecond, 1)
	c.Tick(now.Add(time.Second))
	assert.Equal(t, sent+1, c.Stats().RecordBroadcasts, "a later move waits for CoordinateInterval")
}

func TestCoordinatePolicy(t *testing.T) {
	p := coordinatePolicy{threshold: 10 * time.Millisecond, members: 1000, budget: 0.2, interval: time.Minute}
	ms := func(v float64) float64 { return v / 1000 }
	sent := vivaldi.Coordinate{Vec: []float64{ms(50), 0}, Height: ms(40), Adjustment: ms(-5), Error: 0.2}
	at := func(x float64, err float64) vivaldi.Coordinate {
		c := sent
		c.Vec = []float64{ms(50 + x), 0}
		c.Error = err
		return c
	}
	tests := []struct {
		name     string
		coord    vivaldi.Coordinate
		wantWait time.Duration
		wantSend bool
	}{
		{"standing still, whatever the height", at(0, 0.2), 0, false},
		{"a move within the threshold", at(9, 0.2), 0, false},
		{"a move of twice the threshold waits half the budget's wait", at(20, 0.2), 2500 * time.Second, true},
		{"a move just past the threshold waits about the budget's wait", at(10.001, 0.2), time.Duration(5000 * 10 / 10.001 * float64(time.Second)), true},
		{"a move of four times the threshold waits half, the most a share grows", at(40, 0.2), 2500 * time.Second, true},
		{"a move of 1.5 times the threshold waits two thirds", at(15, 0.2), 10000 * time.Second / 3, true},
		{"a halved error of a settled coordinate is routine", at(20, 0.09), 2500 * time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wait, send := p.wait(tc.coord, sent)
			assert.Equal(t, tc.wantSend, send)
			assert.InDelta(t, float64(tc.wantWait), float64(wait), float64(time.Millisecond))
		})
	}

	unsettled := sent
	unsettled.Error = 0.8
	wait, send := p.wait(at(20, 0.3), unsettled)
	assert.True(t, send)
	assert.Equal(t, time.Minute, wait, "a settling coordinate replacing an unsettled one goes after the interval")
	wait, _ = p.wait(at(20, 0.5), unsettled)
	assert.Equal(t, 2500*time.Second, wait, "one whose error has not halved waits its share")
}
