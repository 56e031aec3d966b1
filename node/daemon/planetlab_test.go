package daemon_test

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/daemon"
	"github.com/overlayd/overlayd/overlay/netem"
)

// TestFiftyNodesOverSimnetEstimatePlanetLabRTTs runs 50 whole agents over
// real QUIC on quic-go's simnet, whose links carry half the PlanetLab RTT
// of the hosts the agents are placed on, inside a testing/synctest bubble:
// time is virtual, so minutes of the cluster's life take seconds. After
// they converge and their coordinates settle, each node's estimate of its
// RTT to every other, from its own coordinate and the one its catalog
// holds (what /v1/rtt and a nearest query use), is compared with the
// matrix.
func TestFiftyNodesOverSimnetEstimatePlanetLabRTTs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("50 agents for 5 virtual minutes: 40 s of CPU, minutes under the race detector; go test ./... runs it")
	}
	m, err := netem.PlanetLab490()
	require.NoError(t, err)
	const nodes = 50
	host := func(i int) int { return i * 9 % m.Hosts() } // spread over the matrix
	synctest.Test(t, func(t *testing.T) {
		c, stop := startSimnetCluster(t, m, host, daemon.ClusterConfig{Nodes: nodes, Datacenters: 1, NoAPI: true})
		defer stop()
		converged := waitVirtual(t, "50 agents converge", 5*time.Minute, time.Second, func() bool { return allAlive(c.Nodes) })
		t.Logf("converged after %v of virtual time", converged.Round(time.Second))
		time.Sleep(5 * time.Minute) // let the coordinates settle, in virtual time

		var errs []float64
		for i, n := range c.Nodes {
			v := n.Agent().View()
			for j, other := range c.Nodes {
				truth, _ := m.RTT(host(i), host(j))
				r, ok := v.Catalog.Get(other.Name)
				if i == j || truth == 0 || !ok || r.Coordinate == nil {
					continue
				}
				est := v.Coordinate.DistanceTo(*r.Coordinate)
				rel := float64(est-truth) / float64(truth)
				errs = append(errs, max(rel, -rel))
			}
		}
		slices.Sort(errs)
		median := errs[len(errs)/2]
		t.Logf("median relative error of %d estimates: %.3f (p90 %.3f)", len(errs), median, errs[len(errs)*9/10])
		assert.Greater(t, len(errs), nodes*(nodes-1)*9/10, "nearly every pair has an estimate")
		assert.LessOrEqual(t, median, 0.15, "issue 5: median relative error ≤ 0.15 against the matrix")
	})
}
