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
	for i := range 40 {
		vec := make([]float64, len(c.viv.Coordinate().Vec))
		vec[i%len(vec)] = 0.05 * float64(1+i%3)
		peer := overlay.Peer{ID: overlay.NodeID(rune('a' + i%20)), Addr: "10.0.0.2:7946"}
		c.updateCoordinate(peer, vivaldi.Coordinate{Vec: vec, Error: 0.1}, 80*time.Millisecond)
	}
	require.Less(t, c.viv.Coordinate().Error, own.Coordinate.Error/2, "the samples placed the coordinate")
	c.Tick(now)
	assert.Equal(t, sent+1, c.Stats().RecordBroadcasts, "the placed coordinate went out at the next Tick")
	own, _ = c.Member("self")
	assert.Equal(t, c.viv.Coordinate().Rounded(), *own.Coordinate, "the own record holds the placed coordinate")

	// Move it again: nothing goes out before the interval.
	c.updateCoordinate(overlay.Peer{ID: "z", Addr: "10.0.0.3:7946"}, own.Coordinate.Rounded(), 200*time.Millisecond)
	c.Tick(now.Add(time.Second))
	assert.Equal(t, sent+1, c.Stats().RecordBroadcasts, "a later move waits for CoordinateInterval")
}
