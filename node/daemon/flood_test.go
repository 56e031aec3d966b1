package daemon_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api/client"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/daemon"
	"github.com/overlayd/overlayd/overlay/floodtest"
)

// TestAgentServesItsAPIAndPeersThroughAFlood is issue 8's flood against
// one whole agent: garbage datagrams and half-open QUIC handshakes at
// 10,000 a second for 2 s at node 0's overlay socket, while its HTTP API
// is asked for the members every 20 ms. Every API request must succeed
// during the flood, no peer may suspect node 0 (it never refutes: its
// incarnation stays), and afterwards every catalog still agrees.
func TestAgentServesItsAPIAndPeersThroughAFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("4 agents over real QUIC and a 2 s flood")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := daemon.StartCluster(ctx, daemon.ClusterConfig{Nodes: 4})
	require.NoError(t, err)
	defer c.Kill()
	waitFor(t, "every catalog shows all 4 alive", func() bool { return allAlive(c.Nodes) })
	target := c.Nodes[0]
	incarnation := target.Agent().View().Incarnation

	type floodResult struct {
		sent int
		err  error
	}
	done := make(chan floodResult, 1)
	start := time.Now()
	go func() {
		sent, err := floodtest.Flood(target.Transport().LocalAddr(), 10_000, 2*time.Second)
		done <- floodResult{sent, err}
	}()
	cl := &client.Client{Addr: target.APIAddr().String()}
	var asked, failed int
	var slowest time.Duration
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var res floodResult
	for flooding := true; flooding; {
		select {
		case res = <-done:
			flooding = false
		case <-tick.C:
			reqCtx, stop := context.WithTimeout(ctx, 2*time.Second)
			began := time.Now()
			members, err := cl.Members(reqCtx)
			stop()
			slowest = max(slowest, time.Since(began))
			asked++
			if err != nil || len(members) != 4 {
				failed++
				t.Logf("members during the flood: %d, %v", len(members), err)
			}
		}
	}
	elapsed := time.Since(start)
	require.NoError(t, res.err)
	s := target.Transport().Stats()
	t.Logf("flood: %d datagrams in %v (%.0f/s); API: %d requests, %d failed, slowest %v; dropped %v, refused %v, %d retries demanded",
		res.sent, elapsed, float64(res.sent)/elapsed.Seconds(), asked, failed, slowest, s.PacketsDropped, s.Refused, s.RetriesDemanded)

	assert.Positive(t, asked)
	assert.Zero(t, failed, "every API request during the flood succeeded")
	assert.Equal(t, incarnation, target.Agent().View().Incarnation, "no peer suspected node 0: it never had to refute")
	waitFor(t, "every catalog still shows all 4 alive", func() bool { return allAlive(c.Nodes) })
	for _, n := range c.Nodes {
		r, _ := n.Agent().View().Catalog.Get(target.Name)
		assert.Equal(t, catalog.Alive, r.Status, "%s holds node 0 alive", n.Name)
	}
}
