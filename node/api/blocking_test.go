package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/vivaldi"
)

type result struct {
	code  int
	index uint64
	body  []byte
}

// blockingGet sends a request in the background and delivers its answer.
func (e *testEnv) blockingGet(t *testing.T, path string) <-chan result {
	out := make(chan result, 1)
	go func() {
		resp, err := e.client.Get(e.url + path)
		if err != nil {
			out <- result{code: -1, body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		var r result
		r.code = resp.StatusCode
		r.index, _ = strconv.ParseUint(resp.Header.Get("X-Consul-Index"), 10, 64)
		var raw json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&raw)
		r.body = raw
		out <- r
	}()
	return out
}

func indexOf(t *testing.T, h http.Header) uint64 {
	n, err := strconv.ParseUint(h.Get("X-Consul-Index"), 10, 64)
	require.NoError(t, err)
	return n
}

// waitBlocked waits until n queries are blocked in the server.
func (e *testEnv) waitBlocked(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return e.Server.Blocked() == n }, 10*time.Second, time.Millisecond)
}

func TestBlockingQueryWakesOnRelevantChangeOnly(t *testing.T) {
	e := newEnv(t, nil)
	require.NoError(t, e.Backend.Apply(apitest.Record("a", "10.0.0.1:7946", "dc1", at(0.1, 0), web("web-1", catalog.Passing))))
	var entries []serviceEntry
	idx := indexOf(t, e.get(t, "/v1/health/service/web", &entries))

	got := e.blockingGet(t, fmt.Sprintf("/v1/health/service/web?index=%d&wait=1m", idx))
	e.waitBlocked(t, 1)
	// Changes that do not alter this answer: this agent's coordinate, a
	// member offering another service, a state with nothing new.
	require.NoError(t, e.Backend.SetCoordinate(vivaldi.Coordinate{Vec: []float64{0.5, 0.5}}))
	require.NoError(t, e.Backend.Apply(apitest.Record("b", "10.0.0.2:7946", "dc1", at(0, 0), catalog.Service{ID: "db", Name: "db", Health: catalog.Passing})))
	e.Backend.Bump()
	// The change it waits for.
	require.NoError(t, e.Backend.Apply(apitest.Record("c", "10.0.0.3:7946", "dc1", at(0, 0), web("web-1", catalog.Passing))))
	changedAt := e.Backend.View().Index + e.Services.View().Version

	r := <-got
	require.Equal(t, http.StatusOK, r.code)
	require.NoError(t, json.Unmarshal(r.body, &entries))
	require.Equal(t, []string{"a", "c"}, nodes(entries), "it returned with the change it waited for, not before")
	require.Equal(t, changedAt, r.index)
	require.Equal(t, 0, e.Server.Blocked())

	// The near-sorted query does wake on a coordinate move that reorders it.
	require.NoError(t, e.Backend.SetCoordinate(vivaldi.Coordinate{Vec: []float64{0, 0}}))
	idx = indexOf(t, e.get(t, "/v1/health/service/web?near=_agent", &entries))
	require.Equal(t, []string{"c", "a"}, nodes(entries))
	got = e.blockingGet(t, fmt.Sprintf("/v1/health/service/web?near=_agent&index=%d", idx))
	e.waitBlocked(t, 1)
	require.NoError(t, e.Backend.SetCoordinate(vivaldi.Coordinate{Vec: []float64{0.1, 0}}))
	r = <-got
	require.NoError(t, json.Unmarshal(r.body, &entries))
	require.Equal(t, []string{"a", "c"}, nodes(entries))
}

func TestBlockingQueryWakesOnLocalCheck(t *testing.T) {
	e := newEnv(t, nil)
	code, _, _ := e.do(t, "PUT", "/v1/agent/service/register", `{"Name":"web","Checks":[{"CheckID":"a","TTL":"1m"},{"CheckID":"b","TTL":"1m"}]}`)
	require.Equal(t, 200, code)
	var entries []serviceEntry
	idx := indexOf(t, e.get(t, "/v1/health/service/web", &entries))
	got := e.blockingGet(t, fmt.Sprintf("/v1/health/service/web?index=%d", idx))
	e.waitBlocked(t, 1)
	// Both checks critical: one turning warning leaves the aggregate, and
	// so the catalog, unchanged, but the answer shows the check.
	code, _, _ = e.do(t, "PUT", "/v1/agent/check/warn/a", "")
	require.Equal(t, 200, code)
	r := <-got
	require.NoError(t, json.Unmarshal(r.body, &entries))
	require.Equal(t, "warning", entries[0].Checks[1].Status)
	require.Greater(t, r.index, idx)
}

func TestBlockingQueryReturnsAtItsWait(t *testing.T) {
	e := newEnv(t, nil)
	var entries []serviceEntry
	idx := indexOf(t, e.get(t, "/v1/health/service/web", &entries))
	start := time.Now()
	r := <-e.blockingGet(t, fmt.Sprintf("/v1/health/service/web?index=%d&wait=200ms", idx))
	require.Equal(t, http.StatusOK, r.code)
	require.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)
	require.Equal(t, idx, r.index, "nothing changed")
}

func TestBlockingQueryWithAnIndexAheadReturnsAtOnce(t *testing.T) {
	e := newEnv(t, nil)
	// A client that held an index of an agent before its restart.
	r := <-e.blockingGet(t, "/v1/health/service/web?index=999999&wait=1m")
	require.Equal(t, http.StatusOK, r.code)
	require.Less(t, r.index, uint64(999999))
}

func TestBlockingQueriesAreBounded(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.MaxBlockingQueries = 2 })
	var entries []serviceEntry
	idx := indexOf(t, e.get(t, "/v1/health/service/web", &entries))
	path := fmt.Sprintf("/v1/health/service/web?index=%d&wait=1m", idx)
	a, b := e.blockingGet(t, path), e.blockingGet(t, path)
	e.waitBlocked(t, 2)
	code, header, body := e.do(t, "GET", path, "")
	require.Equal(t, http.StatusTooManyRequests, code)
	require.Equal(t, "5", header.Get("Retry-After"))
	msg, _ := apiError(t, body)
	require.Contains(t, msg, "too many blocking queries")
	require.Equal(t, api.Refusals{TooManyBlocking: 1}, e.Server.Refusals())
	require.NoError(t, e.Backend.Apply(apitest.Record("c", "10.0.0.3:7946", "dc1", nil, web("web-1", catalog.Passing))))
	require.Equal(t, http.StatusOK, (<-a).code)
	require.Equal(t, http.StatusOK, (<-b).code)
}

// TestIdleBlockedQueriesCostNoCPU parks 1,000 blocking queries on the
// handler and measures the process's CPU time over an idle second: parked
// goroutines must not poll. It then ends them all with one change.
func TestIdleBlockedQueriesCostNoCPU(t *testing.T) {
	if testing.Short() {
		t.Skip("measures an idle second")
	}
	e := newEnv(t, nil)
	require.NoError(t, e.Backend.Apply(apitest.Record("a", "10.0.0.1:7946", "dc1", at(0.1, 0), web("web-1", catalog.Passing))))
	var entries []serviceEntry
	idx := indexOf(t, e.get(t, "/v1/health/service/web", &entries))
	const n = 1000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, n)
	for range n {
		go func() {
			req := httptest.NewRequestWithContext(ctx, "GET", fmt.Sprintf("/v1/health/service/web?index=%d&wait=5m", idx), nil)
			req.Host = "127.0.0.1:7947"
			rec := httptest.NewRecorder()
			e.Server.ServeHTTP(rec, req)
			done <- rec.Code
		}()
	}
	e.waitBlocked(t, n)
	runtime.GC()
	goroutines := runtime.NumGoroutine()
	cpu0 := cpuTime(t)
	idle := time.NewTimer(time.Second)
	<-idle.C // the interval measured, not a wait for a condition
	used := cpuTime(t) - cpu0
	t.Logf("%d blocked queries: %v of CPU over 1 s idle, %d goroutines", n, used, goroutines)
	require.Less(t, used, 100*time.Millisecond, "blocked queries must not poll")
	require.LessOrEqual(t, runtime.NumGoroutine(), goroutines+5)
	require.Equal(t, n, e.Server.Blocked())

	require.NoError(t, e.Backend.Apply(apitest.Record("b", "10.0.0.2:7946", "dc1", nil, web("web-1", catalog.Passing))))
	for range n {
		require.Equal(t, http.StatusOK, <-done)
	}
}

func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestBlockingQueriesOutliveTheirCachedAnswer(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.MaxCachedQueries, c.MaxCachedBytes = 2, 1 })
	require.NoError(t, e.Backend.Apply(apitest.Record("a", "10.0.0.1:7946", "dc1", at(0.1, 0), web("web-1", catalog.Passing))))
	var entries []serviceEntry
	idx := indexOf(t, e.get(t, "/v1/health/service/web", &entries))
	got := e.blockingGet(t, fmt.Sprintf("/v1/health/service/web?index=%d", idx))
	e.waitBlocked(t, 1)
	// Other queries push the blocked one's answer out of the cache.
	for _, path := range []string{"/v1/catalog/nodes", "/v1/catalog/services", "/v1/agent/members"} {
		var v any
		e.get(t, path, &v)
	}
	require.NoError(t, e.Backend.Apply(apitest.Record("b", "10.0.0.2:7946", "dc1", at(0, 0), web("web-1", catalog.Passing))))
	r := <-got
	require.Equal(t, http.StatusOK, r.code)
	require.NoError(t, json.Unmarshal(r.body, &entries))
	require.Equal(t, []string{"a", "b"}, nodes(entries), "a correct answer, with the change")
	require.Greater(t, r.index, idx)
}
