package main

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/loadtest/sim"
)

// TestSWIMSmall runs the swim experiment with 30 full Cores: every survivor
// marks every crashed node dead, and a quiet lossless run declares no live
// node dead.
func TestSWIMSmall(t *testing.T) {
	p := swimParams{n: 30, seed: 5, crash: 2, duration: 30 * time.Second,
		latency: sim.Uniform{Min: time.Millisecond, Max: 10 * time.Millisecond}}
	res, err := p.run(io.Discard)
	require.NoError(t, err)
	assert.Zero(t, res.Undetected, "every survivor marks every crashed node dead")
	assert.Positive(t, res.DetectMedian)
	assert.LessOrEqual(t, res.DetectMedian, res.DetectP99)
	assert.LessOrEqual(t, res.DetectP99, res.DetectMax)
	assert.Zero(t, res.FalsePositives["loss_0"], "nobody is declared dead in a quiet lossless run")
	assert.Contains(t, res.FalsePositives, "slow_1pct")
	assert.Positive(t, res.MsgsPerNodeS)
}

// TestSWIMPhases runs only the phases named: detection alone measures no
// false positives, and an unknown phase is refused.
func TestSWIMPhases(t *testing.T) {
	phases, err := parsePhases("detect")
	require.NoError(t, err)
	p := swimParams{n: 20, seed: 5, crash: 1, duration: 10 * time.Second, phases: phases,
		latency: sim.Uniform{Min: time.Millisecond, Max: 10 * time.Millisecond}}
	res, err := p.run(io.Discard)
	require.NoError(t, err)
	assert.Positive(t, res.DetectMedian)
	assert.Empty(t, res.FalsePositives)

	_, err = parsePhases("detect,loss_7")
	assert.ErrorContains(t, err, `unknown phase "loss_7"`)
	all, err := parsePhases("all")
	require.NoError(t, err)
	assert.Nil(t, all)
}
