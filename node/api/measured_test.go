package api_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

// TestMeasuredRTTsRankFromThisAgent: where this agent measured a round
// trip, /v1/nearest, /v1/rtt and near=_agent rank by it instead of the
// estimate and /v1/nearest and /v1/rtt say so; near=<another node> has
// no measurement of its own and keeps the estimates.
func TestMeasuredRTTsRankFromThisAgent(t *testing.T) {
	e := newEnv(t, nil)
	require.NoError(t, e.Backend.Apply(
		apitest.Record("a", "10.0.0.1:7946", "dc1", at(0.1, 0), web("web-1", catalog.Passing)),
		apitest.Record("b", "10.0.0.2:7946", "dc1", at(0.2, 0), web("web-1", catalog.Passing)),
		apitest.Record("c", "10.0.0.3:7946", "dc1", at(0.3, 0), web("web-1", catalog.Passing)),
	))
	// Measured, b is nearer than a's estimate.
	e.Backend.SetMeasured(map[overlay.NodeID]time.Duration{"b": 50 * time.Millisecond, "c": 400 * time.Millisecond})

	var ans api.NearestAnswer
	e.get(t, "/v1/nearest/web", &ans)
	var got []string
	for _, in := range ans.Instances {
		got = append(got, in.Node)
	}
	require.Equal(t, []string{"b", "a", "c"}, got)
	require.True(t, ans.Instances[0].RTTMeasured)
	require.Equal(t, "50ms", ans.Instances[0].EstimatedRTT)
	require.False(t, ans.Instances[1].RTTMeasured, "a: estimated")
	require.True(t, ans.Instances[1].RTTKnown)
	require.InDelta(t, 0.4, ans.Instances[2].EstimatedRTTSeconds, 1e-9)

	var entries []serviceEntry
	e.get(t, "/v1/health/service/web?near=_agent", &entries)
	require.Equal(t, []string{"b", "a", "c"}, nodes(entries))
	e.get(t, "/v1/health/service/web?near=a", &entries)
	require.Equal(t, []string{"a", "b", "c"}, nodes(entries), "from a: estimates only")

	var rtt api.RTTAnswer
	e.get(t, "/v1/rtt?to=b", &rtt)
	require.Equal(t, api.RTTEstimate{To: "b", Datacenter: "dc1", Known: true, Measured: true, EstimatedRTTSeconds: 0.05, EstimatedRTT: "50ms"}, rtt.Estimates[0])
	e.get(t, "/v1/rtt?to=a", &rtt)
	require.False(t, rtt.Estimates[0].Measured)
	e.get(t, "/v1/rtt?from=a&to=b", &rtt)
	require.False(t, rtt.Estimates[0].Measured, "another member's round trips are estimated")
	require.InDelta(t, 0.1, rtt.Estimates[0].EstimatedRTTSeconds, 1e-9)
}
