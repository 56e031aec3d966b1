package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/daemon"
	"github.com/overlayd/overlayd/node/services"
)

// lockedBuffer is a log sink for many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startSavingCluster starts the data directory tests' cluster: 3 agents in
// dataDir, saving every 500 ms, each with one instance of svc, logging to
// logs.
func startSavingCluster(t *testing.T, ctx context.Context, dataDir string, logs *lockedBuffer) *daemon.Cluster {
	t.Helper()
	c, err := daemon.StartCluster(ctx, daemon.ClusterConfig{
		Nodes: 3, Datacenters: 1, DataDir: dataDir,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Tune:   func(c *node.AgentConfig) { c.SaveInterval = 500 * time.Millisecond },
		Services: func(i int) []services.Definition {
			return []services.Definition{{ID: "svc-" + string(rune('0'+i)), Name: "svc", Port: 8000 + i}}
		},
	})
	require.NoError(t, err)
	return c
}

// TestFaultUnwritableDataDirectory breaks a running agent's data directory
// (a regular file where it was, which even root cannot write into): the
// agent keeps serving reads and the cluster, refuses a registration with a
// 507 that says why, logs the failure and reports it in its metrics; once
// the directory is back, the next save succeeds and registrations work
// again, and nothing registered before was lost.
func TestFaultUnwritableDataDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("three agents over loopback QUIC for a few seconds")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &lockedBuffer{}
	dataDir := t.TempDir()
	c := startSavingCluster(t, ctx, dataDir, logs)
	defer c.Kill()
	instances := func(n *daemon.ClusterNode) int {
		return len(n.Agent().View().Catalog.Nearest(catalog.Query{Service: "svc", N: 10}).Instances)
	}
	waitFor(t, "the cluster converges with its 3 instances", func() bool {
		return allAlive(c.Nodes) && instances(c.Nodes[0]) == 3 && instances(c.Nodes[2]) == 3
	})

	broken := c.Nodes[1]
	dir := filepath.Join(dataDir, string(broken.Name))
	require.NoError(t, os.RemoveAll(dir))
	require.NoError(t, os.WriteFile(dir, nil, 0o600))
	base := "http://" + broken.APIAddr().String()
	code, msg := registerService(t, ctx, base, `{"Name":"late"}`)
	assert.Equal(t, http.StatusInsufficientStorage, code)
	assert.Contains(t, msg, "saving the registrations")
	assert.Contains(t, msg, "nothing was changed")
	waitFor(t, "the agent's next save fails and is reported", func() bool { return broken.Agent().PersistError() != nil })
	assert.Contains(t, metricsText(t, base), "overlay_datadir_failing 1\n")
	assert.Contains(t, logs.String(), "registration undone: the data directory refused it")
	resp, err := http.Get(base + "/v1/catalog/service/svc")
	require.NoError(t, err)
	var listed []map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&listed))
	resp.Body.Close()
	assert.Len(t, listed, 3, "the agent still serves its catalog")

	healed := time.Now()
	require.NoError(t, os.Remove(dir))
	require.NoError(t, os.Mkdir(dir, 0o700))
	waitFor(t, "the next save succeeds", func() bool { return broken.Agent().PersistError() == nil })
	t.Logf("fault %q: recovered %v after healing, records lost 0, false deaths 0",
		"data directory unwritable", time.Since(healed).Round(100*time.Millisecond))
	code, msg = registerService(t, ctx, base, `{"Name":"late"}`)
	require.Equal(t, http.StatusOK, code, msg)
	waitFor(t, "every node sees the 3 instances and the late one", func() bool {
		for _, n := range c.Nodes {
			late := n.Agent().View().Catalog.Nearest(catalog.Query{Service: "late"}).Instances
			if instances(n) != 3 || len(late) != 1 {
				return false
			}
		}
		return allAlive(c.Nodes)
	})
}

func metricsText(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}
