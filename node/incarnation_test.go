package node

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
)

func TestRaiseIncarnationOnlyRaises(t *testing.T) {
	tc := newTestCluster(t, 1)
	c := tc.cores[0]
	c.RaiseIncarnation(tc.now, 7)
	assert.Equal(t, uint64(7), c.Incarnation())
	r, _ := c.Member(c.Self().ID)
	assert.Equal(t, uint64(7), r.Incarnation, "the own record carries the new incarnation")
	assert.Equal(t, catalog.Alive, r.Status)

	c.RaiseIncarnation(tc.now, 3)
	assert.Equal(t, uint64(7), c.Incarnation(), "a lower incarnation changes nothing")
}

// A node that left and restarts one incarnation higher is alive again at
// every other node, without having to refute its own departure.
func TestRestartAboveTheLeftIncarnationRevives(t *testing.T) {
	tc := newTestCluster(t, 4)
	for i := 1; i < len(tc.cores); i++ {
		tc.cores[i].Join(tc.now, tc.cores[0].Self())
		tc.flush(i)
	}
	require.True(t, tc.waitFor(30*time.Second, func() bool { return tc.everyLiveNodeSees(tc.all(), catalog.Alive) }))
	tc.cores[3].Leave(tc.now)
	tc.flush(3)
	tc.run(time.Second)
	tc.crashed[3] = true
	require.True(t, tc.waitFor(10*time.Second, func() bool { return tc.everyLiveNodeSees([]int{3}, catalog.Left) }))

	old := tc.cores[3]
	restarted, err := New(tc.now, Config{Self: old.Self(), Datacenter: "dc1", Rand: rand.New(rand.NewPCG(99, 9))})
	require.NoError(t, err)
	restarted.RaiseIncarnation(tc.now, old.Incarnation()+1)
	tc.cores[3], tc.crashed[3] = restarted, false
	restarted.Join(tc.now, tc.cores[0].Self())
	tc.flush(3)
	require.True(t, tc.waitFor(30*time.Second, func() bool { return tc.everyLiveNodeSees(tc.all(), catalog.Alive) }))
	for _, c := range tc.cores {
		r, _ := c.Member(restarted.Self().ID)
		assert.Equal(t, old.Incarnation()+1, r.Incarnation, "%s holds the restarted node at its new incarnation", c.Self().ID)
	}
	assert.Zero(t, restarted.ProtocolStats().SWIM.Refutations, "nothing it had to refute")
}
