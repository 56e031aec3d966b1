package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/clock"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/vivaldi"
)

// testDim is the dimensionality of the test coordinates: 2, so that
// distances are worked out by hand.
const testDim = 2

type testEnv struct {
	*apitest.Env
	url    string
	clk    *clock.Fake
	client *http.Client
}

// newEnv starts a server over a fake backend of agent "self" in dc1 at
// the origin; edit may change the API config.
func newEnv(t *testing.T, edit func(*api.Config)) *testEnv {
	t.Helper()
	return newEnvWith(t, func(_ *apitest.Config, _ *services.Config, c *api.Config) {
		if edit != nil {
			edit(c)
		}
	})
}

// newEnvWith is newEnv with the backend's and the services' configuration
// adjustable too.
func newEnvWith(t *testing.T, edit func(*apitest.Config, *services.Config, *api.Config)) *testEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	clk := clock.NewFake(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	bcfg := apitest.Config{Catalog: catalog.Config{Dimensionality: testDim}}
	scfg := services.Config{Clock: clk, DataDir: t.TempDir()}
	var acfg api.Config
	edit(&bcfg, &scfg, &acfg)
	env, err := apitest.NewEnv(ctx, bcfg, scfg, acfg)
	require.NoError(t, err)
	srv := httptest.NewServer(env.Server)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		cancel()
		require.NoError(t, <-env.Done)
	})
	return &testEnv{Env: env, url: srv.URL, clk: clk, client: srv.Client()}
}

func at(x, y float64) *vivaldi.Coordinate { return &vivaldi.Coordinate{Vec: []float64{x, y}} }

func web(id string, h catalog.Health, tags ...string) catalog.Service {
	return catalog.Service{ID: id, Name: "web", Port: 80, Health: h, Tags: tags}
}

// do sends a request and returns the status, headers and body.
func (e *testEnv) do(t *testing.T, method, path, body string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, b
}

// get decodes a 200 answer into out and returns its headers.
func (e *testEnv) get(t *testing.T, path string, out any) http.Header {
	t.Helper()
	code, h, body := e.do(t, "GET", path, "")
	require.Equal(t, http.StatusOK, code, "%s: %s", path, body)
	require.NoError(t, json.Unmarshal(body, out), "%s", body)
	return h
}

// apiError decodes an error answer.
func apiError(t *testing.T, body []byte) (msg, field string) {
	t.Helper()
	var e struct{ Error, Field string }
	require.NoError(t, json.Unmarshal(body, &e), "%s", body)
	require.NotEmpty(t, e.Error)
	return e.Error, e.Field
}
