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

func smallHVParams() hvParams {
	return hvParams{
		n: 300, seed: 3, cycles: 10, cycle: time.Second, broadcasts: 100, healBroadcasts: 5,
		maxHealCycles: 10, failures: []int{10, 50, 90}, pathSources: 50,
		latency: sim.Uniform{Min: time.Millisecond, Max: 10 * time.Millisecond},
	}
}

// TestHyParViewSurvivesMassiveFailure is the experiment in small: the
// overlay is a near-regular graph of degree 5, and after losing up to 90 %
// of its nodes HyParView repairs it so that broadcasts reach every live node.
func TestHyParViewSurvivesMassiveFailure(t *testing.T) {
	res, err := smallHVParams().run(io.Discard)
	require.NoError(t, err)

	assert.Equal(t, 5, res.InDegreeP50, "the active views are full")
	assert.GreaterOrEqual(t, res.InDegreeP1, 4)
	assert.LessOrEqual(t, res.InDegreeP99, 5, "links are symmetric, so no node is in more than 5 active views")
	assert.Greater(t, res.AvgShortestPath, 2.0)
	assert.Less(t, res.Clustering, 0.05)

	for _, f := range []string{"10", "50", "90"} {
		assert.GreaterOrEqual(t, res.Reliability[f], 0.98, "reliability after %s%% failures", f)
		require.NotNil(t, res.HealingCycles[f], "healed after %s%% failures", f)
		assert.LessOrEqual(t, *res.HealingCycles[f], 2, "healing cycles after %s%% failures", f)
	}
	assert.Equal(t, 1.0, res.Reliability["10"])
}

func TestHyParViewExperimentIsDeterministic(t *testing.T) {
	p := smallHVParams()
	p.failures = []int{70}
	run := func(seed uint64) hvResult {
		p.seed = seed
		res, err := p.run(io.Discard)
		require.NoError(t, err)
		res.Seconds = 0
		return res
	}
	a, b, c := run(5), run(5), run(6)
	assert.Equal(t, a, b, "same seed, same result")
	assert.NotEqual(t, a, c, "another seed, another overlay")
}

func TestHyParViewJSONLine(t *testing.T) {
	var out, errOut bytes.Buffer
	code := dispatch([]string{"hyparview", "-n", "100", "-cycles", "3", "-broadcasts", "10",
		"-failures", "20,95", "-path-sources", "10", "-json"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &got), "the report ends with one JSON line")
	for _, field := range []string{"n", "seed", "reliability", "healing_cycles", "clustering",
		"avg_shortest_path", "max_hops", "indegree_p1", "indegree_p99", "seconds"} {
		assert.Contains(t, got, field)
	}
	assert.Contains(t, got["reliability"], "95")
	assert.Contains(t, errOut.String(), "joined 100/100", "progress goes to stderr")
}

func TestDispatchRejectsBadInput(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{nil, 2, "usage"},
		{[]string{"nope"}, 2, `unknown experiment "nope"`},
		{[]string{"hyparview", "-n", "1"}, 1, "-n 1"},
		{[]string{"hyparview", "-failures", "10,120"}, 1, "-failures"},
		{[]string{"hyparview", "-links", "fast"}, 1, "-links"},
		{[]string{"hyparview", "-detect", "soon"}, 1, "-detect"},
		{[]string{"hyparview", "extra"}, 1, "unexpected arguments"},
		{[]string{"hyparview", "-h"}, 0, "Example: go run ./loadtest hyparview"},
	}
	for _, tc := range tests {
		var out, errOut bytes.Buffer
		code := dispatch(tc.args, &out, &errOut)
		assert.Equal(t, tc.wantCode, code, "%v", tc.args)
		assert.Contains(t, errOut.String(), tc.wantErr, "%v", tc.args)
	}
}
