package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/overlay"
)

// benchEnv is a server over a catalog of 10,000 members, 1,000 of which
// offer "web", all in dc1, with coordinates of the default dimensionality.
// This agent has measured its round trip to 64 of the instances' members,
// more than a live agent keeps for one service, so that every query also
// pays for the measured lookups.
func benchEnv(b *testing.B) *apitest.Env {
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	env, err := apitest.NewEnv(ctx, apitest.Config{}, services.Config{}, api.Config{})
	if err != nil {
		b.Fatal(err)
	}
	if err := apitest.Populate(env.Backend, rand.New(rand.NewPCG(1, 1)), 10_000, 1_000, "dc1", "web"); err != nil {
		b.Fatal(err)
	}
	measured := make(map[overlay.NodeID]time.Duration, 64)
	for i := range 64 {
		// Populate gives every tenth member the instance.
		measured[overlay.NodeID(fmt.Sprintf("node-%05d", i*10))] = time.Duration(20+i) * time.Millisecond
	}
	env.Backend.SetMeasured(measured)
	return env
}

// BenchmarkNearest serves GET /v1/nearest/web?n=3 in process against
// 10,000 members and 1,000 instances, and reports the median and 99th
// percentile of the request time. With fresh, the agent's state changes
// before every request, so that each one computes its answer (as after a
// coordinate move); without, repeated requests share one computation.
func BenchmarkNearest(b *testing.B) {
	for _, fresh := range []bool{true, false} {
		b.Run(fmt.Sprintf("fresh=%v", fresh), func(b *testing.B) {
			env := benchEnv(b)
			req := httptest.NewRequest("GET", "/v1/nearest/web?n=3", nil)
			req.Host = "127.0.0.1:7947"
			durations := make([]time.Duration, 0, b.N)
			var rec *httptest.ResponseRecorder
			b.ReportAllocs()
			for b.Loop() {
				if fresh {
					b.StopTimer()
					env.Backend.Bump()
					b.StartTimer()
				}
				rec = httptest.NewRecorder()
				start := time.Now()
				env.Server.ServeHTTP(rec, req)
				durations = append(durations, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("%d: %s", rec.Code, rec.Body)
				}
			}
			var ans api.NearestAnswer
			if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil || len(ans.Instances) != 3 || !ans.Instances[0].RTTMeasured {
				b.Fatalf("the answer should start with a measured instance: %v %s", err, rec.Body)
			}
			reportPercentiles(b, durations)
		})
	}
}

// BenchmarkHealthService serves GET /v1/health/service/web?passing&near=_agent
// (1,000 entries) with a fresh state before every request.
func BenchmarkHealthService(b *testing.B) {
	env := benchEnv(b)
	req := httptest.NewRequest("GET", "/v1/health/service/web?passing&near=_agent", nil)
	req.Host = "127.0.0.1:7947"
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		env.Backend.Bump()
		b.StartTimer()
		rec := httptest.NewRecorder()
		start := time.Now()
		env.Server.ServeHTTP(rec, req)
		durations = append(durations, time.Since(start))
	}
	reportPercentiles(b, durations)
}

func reportPercentiles(b *testing.B, durations []time.Duration) {
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2]), "p50-ns")
	b.ReportMetric(float64(durations[len(durations)*99/100]), "p99-ns")
}

// BenchmarkBlockingWake measures how long a blocked
// /v1/health/service/web?index=N takes to return after a relevant change
// (a new instance), with 10,000 members in the catalog.
func BenchmarkBlockingWake(b *testing.B) {
	env := benchEnv(b)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	client := srv.Client()
	latencies := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		resp, err := client.Get(srv.URL + "/v1/health/service/web")
		if err != nil {
			b.Fatal(err)
		}
		idx := resp.Header.Get("X-Consul-Index")
		resp.Body.Close()
		done := make(chan time.Time, 1)
		go func() {
			resp, err := client.Get(srv.URL + "/v1/health/service/web?index=" + idx)
			if err == nil {
				resp.Body.Close()
			}
			done <- time.Now()
		}()
		for env.Server.Blocked() == 0 {
			time.Sleep(50 * time.Microsecond) // wait for the query to block before the change
		}
		i++
		changed := time.Now()
		if err := env.Backend.Apply(apitest.Record(fmt.Sprintf("extra-%d", i), "10.200.0.1:7946", "dc1", nil, web("web-1", 1))); err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, (<-done).Sub(changed))
	}
	reportPercentiles(b, latencies)
}
