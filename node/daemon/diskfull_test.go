package daemon_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/daemon"
	"github.com/overlayd/overlayd/node/datadir"
)

// registerService registers body through the API at base and returns the
// status and the error message, if any.
func registerService(t *testing.T, ctx context.Context, base, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "PUT", base+"/v1/agent/service/register", strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var e struct{ Error string }
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Error
}

// dataDirError returns the data directory error /v1/agent/self reports.
func dataDirError(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/v1/agent/self")
	require.NoError(t, err)
	defer resp.Body.Close()
	var self struct{ Stats map[string]map[string]string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&self))
	return self.Stats["overlayd"]["data_dir_error"]
}

// TestFaultFullDataDisk fills a running agent's disk: every write to its
// data directory fails with ENOSPC (injected, datadir.InjectWriteFault,
// since a small filesystem needs root). The agent keeps serving its
// catalog and the cluster, refuses a registration with a 507 that names
// the full disk, and reports the error in /v1/agent/self and its metrics.
// When space returns, the next save succeeds, registrations work again,
// and a restart finds every registration, the ones before the fault and
// the one after, on disk.
func TestFaultFullDataDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("three agents over loopback QUIC for a few seconds")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dataDir := t.TempDir()
	c := startSavingCluster(t, ctx, dataDir, &lockedBuffer{})
	defer c.Kill()
	instances := func(n *daemon.ClusterNode, name string) int {
		return len(n.Agent().View().Catalog.Nearest(catalog.Query{Service: name, N: 10}).Instances)
	}
	everyNodeSees := func(svc, late int) bool {
		for _, n := range c.Nodes {
			if instances(n, "svc") != svc || instances(n, "late") != late {
				return false
			}
		}
		return allAlive(c.Nodes)
	}
	waitFor(t, "the cluster converges with its 3 instances", func() bool { return everyNodeSees(3, 0) })

	full := c.Nodes[1]
	base := "http://" + full.APIAddr().String()
	heal := datadir.InjectWriteFault(filepath.Join(dataDir, string(full.Name)), syscall.ENOSPC)
	defer heal()
	code, msg := registerService(t, ctx, base, `{"Name":"late"}`)
	assert.Equal(t, http.StatusInsufficientStorage, code)
	assert.Contains(t, msg, "no space left on device")
	assert.Contains(t, msg, "nothing was changed")
	waitFor(t, "the agent's next save fails and is reported, in the API too at its next view", func() bool {
		err := full.Agent().PersistError()
		return err != nil && strings.Contains(err.Error(), "no space left on device") &&
			strings.Contains(dataDirError(t, base), "no space left on device")
	})
	assert.Contains(t, metricsText(t, base), "overlay_datadir_failing 1\n")
	assert.True(t, everyNodeSees(3, 0), "the agent and the cluster keep serving, with no instance lost")

	heal()
	healed := time.Now()
	// A write begun before the heal may still fail after a later one
	// succeeded; the next save clears it.
	waitFor(t, "the next save succeeds, and the API says so", func() bool {
		return full.Agent().PersistError() == nil && dataDirError(t, base) == ""
	})
	recovered := time.Since(healed)
	assert.Contains(t, metricsText(t, base), "overlay_datadir_failing 0\n")
	code, msg = registerService(t, ctx, base, `{"Name":"late"}`)
	require.Equal(t, http.StatusOK, code, msg)
	waitFor(t, "every node sees the 3 instances and the late one", func() bool { return everyNodeSees(3, 1) })

	before := full.Agent().View().Incarnation
	require.NoError(t, c.Restart(ctx, 1))
	waitFor(t, "after a restart, both registrations are back from disk, in every catalog", func() bool {
		for _, n := range c.Nodes {
			r, ok := n.Agent().View().Catalog.Get(full.Name)
			if !ok || r.OwnerIncarnation <= before || len(r.Services) != 2 {
				return false
			}
		}
		return everyNodeSees(3, 1)
	})
	t.Logf("fault %q: recovered %v after space returned, records lost 0, false deaths 0",
		"data directory disk full (ENOSPC)", recovered.Round(100*time.Millisecond))
}
