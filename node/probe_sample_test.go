package node

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

func TestProbeSamplerFeedsEachPeerOncePerInterval(t *testing.T) {
	s := newProbeSampler(30 * time.Second)
	assert.True(t, s.take(t0, "a"), "a peer's first probe")
	assert.True(t, s.take(t0, "b"), "peers count separately")
	assert.False(t, s.take(t0.Add(29*time.Second), "a"))
	assert.True(t, s.take(t0.Add(30*time.Second), "a"), "an interval later")
	assert.False(t, s.take(t0.Add(31*time.Second), "a"), "counted from the last probe fed")
}

func TestProbeSamplerForgetsPeersFedLongAgo(t *testing.T) {
	s := newProbeSampler(time.Second)
	for i := range 10 * probeSamplerPrune {
		s.take(t0.Add(time.Duration(i)*time.Second), overlay.NodeID(fmt.Sprintf("peer-%d", i)))
	}
	require.LessOrEqual(t, len(s.last), probeSamplerPrune+1)
}

func TestEveryProbeUpdatesVivaldi(t *testing.T) {
	tc := newTestCluster(t, 2)
	for _, c := range tc.cores {
		c.cfg.SampleInterval, c.cfg.SettleSampleInterval = time.Hour, time.Hour // probes only
	}
	tc.cores[1].Join(tc.now, tc.cores[0].Self())
	tc.flush(1)
	require.True(t, tc.waitFor(30*time.Second, func() bool { return tc.everyLiveNodeSees(tc.all(), catalog.Alive) }))
	before := [2]uint64{tc.cores[0].viv.Stats().Updates, tc.cores[1].viv.Stats().Updates}
	events := exchange(t, tc, 95*time.Second, 5*time.Millisecond)
	for i, c := range tc.cores {
		probes := 0
		for _, e := range events[i] {
			if _, ok := e.(ProbeRTT); ok {
				probes++
			}
		}
		require.Greater(t, probes, 40, "%s probed its peer", c.Self().ID)
		// Every probe updates the coordinate; in 95 s, three or four of
		// them take a full step (probeSampler's test), the rest a tenth.
		assert.Equal(t, uint64(probes), c.viv.Stats().Updates-before[i], "%s", c.Self().ID)
	}
}
