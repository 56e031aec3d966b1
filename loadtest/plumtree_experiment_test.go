package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/loadtest/sim"
)

func smallPTParams() ptParams {
	return ptParams{
		hv: hvParams{n: 200, seed: 2, cycles: 5, cycle: time.Second, maxHealCycles: 5, failures: []int{30, 70},
			latency: sim.Constant(5 * time.Millisecond)},
		broadcasts: 40, warmup: 10, churnCycles: 10, churnPerCycle: 2,
		tick: 100 * time.Millisecond, timeout: time.Second, settle: 5 * time.Second, interval: 250 * time.Millisecond,
		scenarios: map[string]bool{"stable": true, "churn": true, "failure": true},
	}
}

// TestPlumtreeBuildsATreeAndSurvivesFailures is the experiment in small:
// after warm-up every broadcast reaches every node with one payload per
// node (RMR 0, against 3 for flooding), and after failures the tree heals.
func TestPlumtreeBuildsATreeAndSurvivesFailures(t *testing.T) {
	res, err := smallPTParams().run(io.Discard)
	require.NoError(t, err)

	assert.InDelta(t, 3, res.EagerGossip.RMR, 0.2, "flooding over active views of 5 sends 4 copies per node")
	for _, fig := range []treeFigures{res.PlainTree["single"], res.PlainTree["random"],
		{RMR: res.RMR.Single, LDH: res.LDH.Single, Reliability: res.Reliability.Single},
		{RMR: res.RMR.Random, LDH: res.LDH.Random, Reliability: res.Reliability.Random}} {
		assert.Equal(t, 1.0, fig.Reliability)
		assert.Less(t, fig.RMR, 0.05)
		assert.GreaterOrEqual(t, fig.LDH, res.EagerGossip.LDH-1, "a tree is never shallower than flooding's shortest paths")
	}
	assert.Equal(t, 1.0, res.ChurnMinimum, "every broadcast under churn reaches every live node")
	assert.Equal(t, 1.0, res.FailureReliability["30"])
	for _, f := range []string{"30", "70"} {
		require.NotNil(t, res.HealingCycles[f])
		assert.LessOrEqual(t, *res.HealingCycles[f], 2)
	}
}

// TestLatencyOptimisationShortensDelivery runs the latency experiment on
// the PlanetLab matrix with 150 of its hosts: the latency-optimised tree
// swaps links and delivers no later than the plain one, at no extra RMR.
func TestLatencyOptimisationShortensDelivery(t *testing.T) {
	var out, errOut bytes.Buffer
	code := dispatch([]string{"plumtree", "-latency", "data/planetlab490/rtt_ms.tsv", "-n", "150",
		"-cycles", "5", "-broadcasts", "100", "-warmup", "30", "-interval", "3s", "-json"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var res latencyResult
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &res))
	plain, opt := res.Trees["plain"], res.Trees["latency-optimised"]
	assert.Zero(t, plain.Swaps)
	assert.Positive(t, opt.Swaps)
	assert.LessOrEqual(t, opt.RatioMedian, plain.RatioMedian)
	assert.GreaterOrEqual(t, opt.RatioMedian, 1.0, "nothing beats the speed of light")
	assert.Less(t, opt.RMR, 0.1)
	assert.Equal(t, 1.0, opt.Reliability)
}

func TestPlumtreeRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"plumtree", "-warmup", "300"}, "-warmup"},
		{[]string{"plumtree", "-n", "150", "-churn", "10"}, "would fail all"},
		{[]string{"plumtree", "-latency", "/nonexistent"}, "-latency"},
		{[]string{"plumtree", "-interval", "-1s"}, "-interval"},
		{[]string{"plumtree", "-scenarios", "stable,soak"}, "unknown scenario"},
	} {
		var out, errOut bytes.Buffer
		assert.Equal(t, 1, dispatch(tc.args, &out, &errOut), "%v", tc.args)
		assert.Contains(t, errOut.String(), tc.wantErr, "%v", tc.args)
	}
}
