package main

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/loadtest/sim"
)

// TestConvergeSmall runs the converge experiment with 40 full Cores: every
// catalog comes to list every node alive, every survivor declares the
// crashed node dead, and after a partition every catalog agrees again.
func TestConvergeSmall(t *testing.T) {
	p := convParams{n: 40, seed: 4, dcs: 2, seeds: 2, joinWindow: 2 * time.Second, settle: 5 * time.Second, steady: 5 * time.Second,
		crashPct: 5, partition: 20 * time.Second, limit: 300 * time.Second,
		latency: sim.Uniform{Min: time.Millisecond, Max: 10 * time.Millisecond}}
	res, err := p.run(io.Discard)
	require.NoError(t, err)
	require.NotNil(t, res.JoinConverge, "every catalog lists every node alive")
	require.NotNil(t, res.DeadConverge, "every survivor shows the crashed nodes dead")
	require.NotNil(t, res.PartitionHeal, "catalogs agree after the partition heals")
	require.NotNil(t, res.HealAlive)
	assert.LessOrEqual(t, *res.HealAlive, *res.PartitionHeal, "all alive comes no later than agreement")
	assert.Equal(t, 2, res.Crashed)
	assert.Positive(t, res.BytesPerNodeS)
}
