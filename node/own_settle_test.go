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

// settleTestCore returns a Core that settles after 40 full steps, and a
// function feeding it full steps from peers 40 ms away whose coordinates
// lie scale seconds out along the axes.
func settleTestCore(t *testing.T) (*Core, func(steps int, scale float64, weight float64)) {
	t.Helper()
	c, err := New(t0, Config{Self: overlay.Peer{ID: "self", Addr: "10.0.0.1:7946"}, Datacenter: "dc1",
		Rand: rand.New(rand.NewPCG(1, 2)), SettleSteps: 40, SettleSampleInterval: 500 * time.Millisecond, SampleInterval: 2 * time.Second})
	require.NoError(t, err)
	feed := func(steps int, scale float64, weight float64) {
		for i := range steps {
			vec := make([]float64, len(c.viv.Coordinate().Vec))
			vec[i%len(vec)] = scale * float64(1+i%3)
			peer := overlay.Peer{ID: overlay.NodeID(rune('a' + i%20)), Addr: "10.0.0.2:7946"}
			c.updateCoordinate(peer, vivaldi.Coordinate{Vec: vec, Error: 0.1}, 40*time.Millisecond, weight)
		}
	}
	return c, feed
}

// TestSettlingSamplesFasterThenBroadcastsOnce: a new node samples at the
// settling interval until its coordinate has taken SettleSteps full steps,
// weighted steps not counting; then it broadcasts its coordinate once, at
// the next Tick, and samples at the routine interval.
func TestSettlingSamplesFasterThenBroadcastsOnce(t *testing.T) {
	c, feed := settleTestCore(t)
	c.Tick(t0)
	feed(30, 0.05, 1)
	now := t0.Add(time.Second)
	c.Tick(now) // placeCoordinate sends the first far move
	sent := c.Stats().RecordBroadcasts
	assert.Equal(t, 500*time.Millisecond, c.sampleInterval(), "30 steps of 40: still settling")

	feed(100, 0.2, 0.5)
	c.Tick(now.Add(time.Second))
	assert.Equal(t, sent, c.Stats().RecordBroadcasts, "weighted steps do not settle the coordinate")
	assert.Equal(t, 500*time.Millisecond, c.sampleInterval())

	feed(10, 0.2, 1)
	c.Tick(now.Add(2 * time.Second))
	assert.Equal(t, sent+1, c.Stats().RecordBroadcasts, "the settled coordinate went out")
	own, _ := c.Member("self")
	assert.Equal(t, c.viv.Smoothed().Rounded(), *own.Coordinate)
	assert.Equal(t, 2*time.Second, c.sampleInterval(), "settled: the routine interval")

	feed(40, 0.5, 1)
	c.Tick(now.Add(3 * time.Second))
	assert.Equal(t, sent+1, c.Stats().RecordBroadcasts, "only once: later moves wait for the routine rule")
}

// TestSettledCoordinateThatDidNotMoveStaysHome: a coordinate that settles
// where it was last sent is not sent again.
func TestSettledCoordinateThatDidNotMoveStaysHome(t *testing.T) {
	c, feed := settleTestCore(t)
	c.Tick(t0)
	sent := c.Stats().RecordBroadcasts
	feed(40, 0.05, 1)
	c.Tick(t0.Add(time.Second)) // placeCoordinate sends it, then it has settled
	assert.Equal(t, sent+1, c.Stats().RecordBroadcasts, "placed, and not sent again as settled")
	assert.True(t, c.settled)
}
