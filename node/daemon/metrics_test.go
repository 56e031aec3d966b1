package daemon_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/daemon"
)

// TestMetricsCountTheAPIsAndServicesBounds sends an agent a body over the
// API's bound and a registration over its services' bound, and reads both
// refusals in its /metrics.
func TestMetricsCountTheAPIsAndServicesBounds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := daemon.StartCluster(ctx, daemon.ClusterConfig{
		Nodes: 1,
		Tune:  func(c *node.AgentConfig) { c.Core.Catalog.MaxServicesPerMember = 1 },
	})
	require.NoError(t, err)
	defer c.Kill()
	base := "http://" + c.Nodes[0].APIAddr().String()
	put := func(body string) int {
		req, err := http.NewRequestWithContext(ctx, "PUT", base+"/v1/agent/service/register", strings.NewReader(body))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusRequestEntityTooLarge, put(`{"Name":"web","Meta":{"k":"`+strings.Repeat("v", 2<<20)+`"}}`))
	require.Equal(t, http.StatusOK, put(`{"Name":"web"}`))
	require.Equal(t, http.StatusBadRequest, put(`{"Name":"db"}`))

	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	for _, line := range []string{
		`overlay_api_refused_total{reason="body_too_large"} 1`,
		`overlay_api_refused_total{reason="too_many_blocking_queries"} 0`,
		`overlay_api_blocking_queries 0`,
		`overlay_services_refused_total 1`,
	} {
		require.Contains(t, string(text), line+"\n")
	}
}
