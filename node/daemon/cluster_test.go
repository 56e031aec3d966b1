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
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/overlay"
)

// waitTimeout bounds every wait on the cluster: generous, as the race
// detector on a shared 2-core machine is slow; the waits end as soon as
// their condition holds.
const waitTimeout = 60 * time.Second

// waitFor polls cond until it holds or waitTimeout passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, waitTimeout, 20*time.Millisecond, what)
}

// everyoneSees reports whether every node in from sees member as status.
func everyoneSees(from []*daemon.ClusterNode, member overlay.NodeID, status catalog.Status) bool {
	for _, n := range from {
		r, ok := n.Agent().View().Catalog.Get(member)
		if !ok || r.Status != status {
			return false
		}
	}
	return true
}

func allAlive(nodes []*daemon.ClusterNode) bool {
	for _, n := range nodes {
		if !everyoneSees(nodes, n.Name, catalog.Alive) {
			return false
		}
	}
	return true
}

func TestClusterOverQUICConvergesDetectsCrashesAndLeaves(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := daemon.StartCluster(ctx, daemon.ClusterConfig{
		Nodes: 5, DataDir: t.TempDir(),
		Services: func(i int) []services.Definition {
			if i == 2 {
				return []services.Definition{{ID: "web-2", Name: "web", Port: 8080}}
			}
			return nil
		},
	})
	require.NoError(t, err)
	defer c.Kill()
	waitFor(t, "every catalog shows all 5 alive", func() bool { return allAlive(c.Nodes) })

	// node 0's API answers as Consul's would, with what its catalog holds.
	cl := &client.Client{Addr: c.Nodes[0].APIAddr().String()}
	members, err := cl.Members(ctx)
	require.NoError(t, err)
	assert.Len(t, members, 5)
	waitFor(t, "every node knows node-02's web instance", func() bool {
		for _, n := range c.Nodes {
			if len(n.Agent().View().Catalog.Nearest(catalog.Query{Service: "web"}).Instances) != 1 {
				return false
			}
		}
		return true
	})

	crashed, leaver, rest := c.Nodes[4], c.Nodes[3], c.Nodes[:3]
	crashed.Kill()
	waitFor(t, "the survivors see the crashed node dead", func() bool { return everyoneSees(rest, crashed.Name, catalog.Dead) })

	leaveCtx, stop := context.WithTimeout(ctx, 5*time.Second)
	defer stop()
	require.NoError(t, leaver.Leave(leaveCtx), "a graceful leave ends within 5 s")
	require.NoError(t, leaver.Wait(), "Run returns nil after leaving")
	waitFor(t, "the others see the leaver left", func() bool { return everyoneSees(rest, leaver.Name, catalog.Left) })

	leaveCtx, stop = context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	assert.NoError(t, daemon.LeaveAll(leaveCtx, rest), "the rest leave together")
}

func TestClusterRestartComesBackAliveAtAHigherIncarnation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := daemon.StartCluster(ctx, daemon.ClusterConfig{Nodes: 4, DataDir: t.TempDir()})
	require.NoError(t, err)
	defer c.Kill()
	waitFor(t, "every catalog shows all 4 alive", func() bool { return allAlive(c.Nodes) })
	before := c.Nodes[2].Agent().View().Incarnation
	oldAddr := c.Nodes[2].Transport().Self().Addr

	require.NoError(t, c.Restart(ctx, 2))
	require.Error(t, c.Restart(ctx, 4), "no node 4")
	back := c.Nodes[2]
	assert.Greater(t, back.Agent().View().Incarnation, before, "the data directory carried the incarnation over")
	assert.NotEqual(t, oldAddr, back.Transport().Self().Addr, "on a new socket")
	waitFor(t, "everyone holds the restarted node alive at its new address", func() bool {
		for _, n := range c.Nodes {
			r, ok := n.Agent().View().Catalog.Get(back.Name)
			if !ok || r.Status != catalog.Alive || r.Member.Addr != back.Transport().Self().Addr {
				return false
			}
		}
		return true
	})
}
