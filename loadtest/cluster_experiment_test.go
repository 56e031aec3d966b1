package main

import (
	"encoding/xml"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClusterBootstrapsAndDetectsACrash runs 10 real agents: every catalog
// comes to show all 10 alive, every survivor then shows both crashed
// agents dead, and the figures are those of a run that happened.
func TestClusterBootstrapsAndDetectsACrash(t *testing.T) {
	p := defaultClusterParams()
	p.n, p.scenario, p.steady, p.timeout, p.crash = 10, "crash", 2*time.Second, 2*time.Minute, 2
	require.NoError(t, p.check())
	res, err := p.run(io.Discard)
	require.NoError(t, err)
	require.NotNil(t, res.ConvergeS, "every catalog showed all 10 alive")
	assert.False(t, res.TimedOut)
	require.NotNil(t, res.Steady)
	assert.Positive(t, res.Steady.BytesPerAgentS)
	assert.Positive(t, res.Steady.MsgsPerAgentS)
	assert.GreaterOrEqual(t, res.Steady.PktsPerAgentS, 1.0, "keepalives and probes flow")
	assert.Positive(t, res.Steady.CPUmsPerAgentS)

	d := res.Detection
	require.NotNil(t, d)
	assert.Equal(t, 2, d.Crashed)
	assert.Equal(t, 8, d.Survivors)
	assert.Zero(t, d.DeadBefore)
	assert.Equal(t, d.Pairs, d.Seen, "every survivor showed every victim dead")
	require.NotNil(t, d.AllS)
	assert.Positive(t, d.MedianS)
	assert.LessOrEqual(t, d.MedianS, d.P99S)
	assert.LessOrEqual(t, d.P99S, d.MaxS)
	assert.InDelta(t, d.MaxS, *d.AllS, 0.5, "the last pair seen is when all were")
	assert.Positive(t, res.PeakRSSMB)
	assert.NotEmpty(t, res.Samples)

	dir := t.TempDir()
	require.NoError(t, writeClusterPlots(dir, res))
	for _, name := range []string{"members.svg", "bandwidth.svg", "detection_cdf.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		var doc struct {
			XMLName xml.Name
		}
		require.NoError(t, xml.Unmarshal(b, &doc), name)
		assert.Equal(t, "svg", doc.XMLName.Local, name)
	}
}

// TestTapDropsWhatCrossesThePartition sends datagrams between three taps
// split into two sides: only those within a side arrive, and only they
// are counted; after the heal, all arrive.
func TestTapDropsWhatCrossesThePartition(t *testing.T) {
	tap := newTapNet(3)
	conns := make([]net.PacketConn, 3)
	for i := range conns {
		c, err := tap.listen(i)
		require.NoError(t, err)
		defer c.Close()
		conns[i] = c
	}
	arrives := func(from, to int) bool {
		_, err := conns[from].WriteTo([]byte("ping"), conns[to].LocalAddr())
		require.NoError(t, err)
		require.NoError(t, conns[to].SetReadDeadline(time.Now().Add(200*time.Millisecond)))
		buf := make([]byte, 16)
		n, _, err := conns[to].ReadFrom(buf)
		return err == nil && string(buf[:n]) == "ping"
	}
	tap.partition(func(i int) int8 { return int8(min(i, 1)) }) // {0} | {1, 2}
	assert.False(t, arrives(0, 1))
	assert.True(t, arrives(1, 2))
	pkts, bytes := tap.totals()
	assert.Equal(t, uint64(1), pkts, "only the datagram that left is counted")
	assert.Equal(t, uint64(4), bytes)
	tap.heal()
	assert.True(t, arrives(0, 1))
	assert.True(t, arrives(2, 0))
}

// TestCDFIsBoundedAndEndsAtOne draws the CDF of many samples with at most
// cdfSteps steps, rising to 1 at the largest sample.
func TestCDFIsBoundedAndEndsAtOne(t *testing.T) {
	xs := make([]float64, 10_000)
	for i := range xs {
		xs[i] = float64(len(xs) - i)
	}
	s := cdf("x", "#000", xs)
	assert.LessOrEqual(t, len(s.xs), 2*cdfSteps)
	assert.Equal(t, len(s.xs), len(s.ys))
	assert.Equal(t, 1.0, s.ys[len(s.ys)-1])
	assert.Equal(t, 10_000.0, s.xs[len(s.xs)-1])
	assert.Zero(t, s.ys[0])
	small := cdf("x", "#000", []float64{3, 1, 2})
	assert.Equal(t, []float64{1, 1, 2, 2, 3, 3}, small.xs)
	assert.InDeltaSlice(t, []float64{0, 1.0 / 3, 1.0 / 3, 2.0 / 3, 2.0 / 3, 1}, small.ys, 1e-9)
}
