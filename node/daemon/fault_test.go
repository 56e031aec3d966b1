package daemon_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/daemon"
	"github.com/overlayd/overlayd/overlay"
)

// The fault-injection tests of issue 8: eight whole agents over real QUIC
// on simnet, in a testing/synctest bubble so that minutes of faults take
// seconds. Each converges, suffers one fault, heals, and must end with
// every catalog in agreement and every registered instance present. Their
// figures are in loadtest/RESULTS.md.

const faultNodes = 8

// converge starts the cluster and waits until it agrees.
func converge(t *testing.T, spares, extras int, edit func(*daemon.ClusterConfig)) (*faultCluster, func()) {
	t.Helper()
	fc, stop := startFaultCluster(t, faultNodes, spares, extras, edit)
	waitVirtual(t, "the cluster converges", 2*time.Minute, 100*time.Millisecond, fc.agreed)
	return fc, stop
}

func TestFaultPacketLossOnEveryLink(t *testing.T) {
	skipHeavy(t)
	synctest.Test(t, func(t *testing.T) {
		fc, stop := converge(t, 0, 0, nil)
		defer stop()
		fc.net.lossFor(0.2, time.Minute)
		waitVirtual(t, "the loss ends", 2*time.Minute, 100*time.Millisecond, fc.net.healed)
		fc.recover(t, "20% loss on every link for 60 s")
	})
}

func TestFaultOneWayPartition(t *testing.T) {
	skipHeavy(t)
	synctest.Test(t, func(t *testing.T) {
		fc, stop := converge(t, 0, 0, nil)
		defer stop()
		const victim = 3
		fc.fault(fc.Nodes[victim].Name)
		var others []string
		for i := range fc.Nodes {
			if i != victim { // the victim hears everyone; no one hears it
				others = append(others, fc.addr(i))
			}
		}
		fc.net.cutFor(fc.addr(victim), others, 30*time.Second)
		waitVirtual(t, "the cut ends", time.Minute, 100*time.Millisecond, fc.net.healed)
		fc.recover(t, "one-way partition of one node for 30 s")
	})
}

func TestFaultNodePausedForTenSeconds(t *testing.T) {
	skipHeavy(t)
	synctest.Test(t, func(t *testing.T) {
		fc, stop := converge(t, 0, 0, nil)
		defer stop()
		const victim = 5
		fc.fault(fc.Nodes[victim].Name)
		fc.net.pauseFor(fc.addr(victim), 10*time.Second)
		waitVirtual(t, "the pause ends", time.Minute, 100*time.Millisecond, fc.net.healed)
		fc.recover(t, "one node's packets held for 10 s")
	})
}

func TestFaultCrashRestartLoop(t *testing.T) {
	skipHeavy(t)
	synctest.Test(t, func(t *testing.T) {
		const restarts = 12 // every 5 s for a minute
		dataDir := t.TempDir()
		fc, stop := converge(t, restarts, 0, func(c *daemon.ClusterConfig) { c.DataDir = dataDir })
		defer stop()
		const victim = 2
		fc.fault(fc.Nodes[victim].Name)
		before := fc.Nodes[victim].Agent().View().Incarnation
		require.NoError(t, <-fc.restartEvery(context.Background(), victim, 5*time.Second, restarts))
		fc.recover(t, "crash-restart every 5 s for 60 s")
		assert.Greater(t, fc.Nodes[victim].Agent().View().Incarnation, before, "each life starts above the last")
	})
}

func TestFaultMemberWithAWrongCACertificateIsRefused(t *testing.T) {
	skipHeavy(t)
	synctest.Test(t, func(t *testing.T) {
		fc, stop := converge(t, 0, 1, nil)
		defer stop()
		otherCA, err := overlay.NewThrowawayCA()
		require.NoError(t, err)
		id, err := otherCA.Identity("intruder", overlay.CertOptions{})
		require.NoError(t, err)
		intruder := fc.runOutsider(t, id, fc.addr(0), fc.addr(1))

		// The seeds count the refused handshakes.
		tried := waitVirtual(t, "the seeds refuse the intruder's handshakes 10 times", time.Minute, 100*time.Millisecond,
			func() bool { return fc.refusedBySeeds() >= 10 })
		t.Logf("10 refused handshakes after %v", tried.Round(100*time.Millisecond))
		for _, n := range fc.Nodes {
			_, ok := n.Agent().View().Catalog.Get("intruder")
			assert.False(t, ok, "%s lists the intruder", n.Name)
		}
		assert.Equal(t, 1, intruder.Agent().View().Catalog.Len(), "the intruder learns no member")
		fc.recover(t, "a member with a wrong-CA certificate tries to join until refused 10 times")
	})
}
