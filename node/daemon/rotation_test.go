package daemon_test

import (
	"context"
	"crypto/x509"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/daemon"
	"github.com/overlayd/overlayd/overlay"
)

// TestRollingCARotation rotates a running cluster's CA as SECURITY.md
// says, one agent restarted at a time, three rounds: every CA file gets
// the new CA beside the old; every node certificate is reissued by the
// new CA; every CA file drops the old CA. After each restart the cluster
// must agree again with every instance, and at the end an agent holding a
// certificate of the old CA is refused.
func TestRollingCARotation(t *testing.T) {
	skipHeavy(t)
	synctest.Test(t, func(t *testing.T) {
		newCA, err := overlay.NewThrowawayCA()
		require.NoError(t, err)
		round := 0
		identity := func(i int, oldCA *overlay.CA) (*overlay.Identity, error) {
			issuer, trust := oldCA, []*x509.Certificate{oldCA.Cert}
			switch round {
			case 1: // the new CA is trusted beside the old
				trust = append(trust, newCA.Cert)
			case 2: // certificates come from the new CA
				issuer, trust = newCA, []*x509.Certificate{oldCA.Cert, newCA.Cert}
			case 3: // the old CA is dropped
				issuer, trust = newCA, []*x509.Certificate{newCA.Cert}
			}
			nc, err := issuer.Issue(daemon.NodeName(i), overlay.CertOptions{})
			if err != nil {
				return nil, err
			}
			return overlay.NewIdentityTrusting(trust, nc)
		}
		const nodes = 5
		dataDir := t.TempDir()
		fc, stop := startFaultCluster(t, nodes, 3, 1, func(c *daemon.ClusterConfig) {
			c.DataDir, c.Identity = dataDir, identity
		})
		defer stop()
		waitVirtual(t, "the cluster converges", 2*time.Minute, 100*time.Millisecond, fc.agreed)
		ctx := context.Background()
		start := time.Now()
		for round = 1; round <= 3; round++ {
			for i := range nodes {
				err := fc.restart(ctx, i)
				require.NoError(t, err)
				waitVirtual(t, "the cluster agrees after a restart", 2*time.Minute, 100*time.Millisecond, fc.agreed)
			}
		}
		// Every restart is a crash (killed without leaving), so a member
		// held dead here is one seen dead between its two lives.
		t.Logf("3 rounds of %d rolling restarts took %v of virtual time; members some node held dead meanwhile: %d",
			nodes, time.Since(start).Round(100*time.Millisecond), fc.falseDeaths())
		require.Zero(t, fc.lostRecords())

		stale, err := fc.CA.Identity("stale", overlay.CertOptions{})
		require.NoError(t, err)
		refusedBefore := fc.refusedBySeeds()
		d := fc.runOutsider(t, stale, fc.addr(0))
		tried := waitVirtual(t, "node 0 refuses the old CA's agent 3 times", time.Minute, 100*time.Millisecond,
			func() bool { return fc.refusedBySeeds() >= refusedBefore+3 })
		t.Logf("the old CA's agent refused 3 times after %v", tried.Round(100*time.Millisecond))
		for _, n := range fc.Nodes {
			_, ok := n.Agent().View().Catalog.Get("stale")
			assert.False(t, ok, "%s lists an agent of the dropped CA", n.Name)
		}
		assert.Equal(t, 1, d.Agent().View().Catalog.Len(), "the old CA's agent learns no member")
	})
}
