package node

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/plumtree"
	"github.com/overlayd/overlayd/swim"
)

// TestAnyMessageAnswersSuspicion checks that a message of another protocol
// from a suspected member reaches SWIM as evidence that it is alive.
func TestAnyMessageAnswersSuspicion(t *testing.T) {
	tc := newTestCluster(t, 2)
	tc.cores[1].Join(tc.now, tc.cores[0].Self())
	tc.flush(1)
	require.True(t, tc.waitFor(30*time.Second, func() bool { return tc.everyLiveNodeSees(tc.all(), catalog.Alive) }))
	c, other := tc.cores[0], tc.cores[1].Self()
	known, ok := c.sw.Member(other.ID)
	require.True(t, ok)
	proof, ok := c.Member(other.ID)
	require.True(t, ok)
	c.applyVerdict(tc.now, LivenessUpdate{Update: swim.Update{Member: other, Incarnation: known.Incarnation, State: swim.StateSuspect, From: "n-else"}, Proof: proof})
	m, _ := c.sw.Member(other.ID)
	require.Equal(t, swim.StateSuspect, m.State, "the proven verdict reached SWIM")
	require.Zero(t, c.sw.Stats().SuspicionsAnswered)

	c.Step(tc.now.Add(time.Millisecond), other, plumtree.Prune{})
	assert.Equal(t, uint64(1), c.sw.Stats().SuspicionsAnswered)
}
