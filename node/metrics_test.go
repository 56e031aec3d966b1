package node

import (
	"io"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
)

// gather returns the agent's metric families by name.
func gather(t testing.TB, a *Agent) map[string]*dto.MetricFamily {
	t.Helper()
	fams, err := a.Registry().Gather()
	require.NoError(t, err)
	out := make(map[string]*dto.MetricFamily, len(fams))
	for _, f := range fams {
		out[f.GetName()] = f
	}
	return out
}

// gatherValue sums a family's series: counter and gauge values, histogram
// sample counts; 0 for a family not exposed.
func gatherValue(t *testing.T, a *Agent, name string) float64 {
	t.Helper()
	var sum float64
	if f, ok := gather(t, a)[name]; ok {
		for _, m := range f.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// series returns the value of the series of a family with the given
// label values, and whether there is one.
func series(f *dto.MetricFamily, labels map[string]string) (float64, bool) {
	for _, m := range f.GetMetric() {
		match := true
		for _, l := range m.GetLabel() {
			if v, ok := labels[l.GetName()]; ok && v != l.GetValue() {
				match = false
			}
		}
		if match {
			return m.GetCounter().GetValue() + m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

func TestMetricsExposeTheListedFamilies(t *testing.T) {
	h := newHarness(t)
	all := cluster(t, h, 4, nil)
	h.run(20 * time.Second)
	a := h.agents[all[0]]
	fams := gather(t, a.Agent)

	for _, name := range []string{
		"overlay_hyparview_active_peers", "overlay_hyparview_passive_peers", "overlay_catalog_members",
		"overlay_transport_messages_total", "overlay_transport_bytes_total", "overlay_transport_send_queue_drops_total",
		"overlay_swim_probe_rtt_seconds", "overlay_broadcast_delivery_delay_seconds",
		"overlay_swim_suspicions_raised_total", "overlay_swim_suspicions_refuted_total", "overlay_swim_deaths_declared_total",
		"overlay_vivaldi_error", "overlay_swim_local_health_multiplier", "overlay_datadir_errors_total",
	} {
		assert.Contains(t, fams, name)
	}

	active := gatherValue(t, a.Agent, "overlay_hyparview_active_peers")
	assert.True(t, active >= 1 && active <= 3, "active view of %v among 4 agents", active)
	alive, _ := series(fams["overlay_catalog_members"], map[string]string{"status": "alive"})
	assert.Equal(t, 4.0, alive)
	dead, _ := series(fams["overlay_catalog_members"], map[string]string{"status": "dead"})
	assert.Zero(t, dead)
	pings, ok := series(fams["overlay_transport_messages_total"], map[string]string{"protocol": "swim", "type": "Ping", "direction": "out"})
	assert.True(t, ok)
	assert.Greater(t, pings, 10.0, "about a probe a second for 20 s")
	acks, ok := series(fams["overlay_transport_bytes_total"], map[string]string{"protocol": "swim", "type": "Ack", "direction": "in"})
	assert.True(t, ok)
	assert.Greater(t, acks, 10.0*20)
	assert.Zero(t, gatherValue(t, a.Agent, "overlay_transport_send_queue_drops_total"))

	rtt := fams["overlay_swim_probe_rtt_seconds"].GetMetric()[0].GetHistogram()
	require.Positive(t, rtt.GetSampleCount())
	assert.InDelta(t, (2 * linkLatency).Seconds(), rtt.GetSampleSum()/float64(rtt.GetSampleCount()), 1e-9,
		"on the harness a probe takes one link latency each way, exactly")
	delay := fams["overlay_broadcast_delivery_delay_seconds"].GetMetric()[0].GetHistogram()
	require.Positive(t, delay.GetSampleCount())
	assert.GreaterOrEqual(t, delay.GetSampleSum()/float64(delay.GetSampleCount()), linkLatency.Seconds(), "a hop at least")

	assert.Equal(t, 1.0, gatherValue(t, a.Agent, "overlay_swim_local_health_multiplier"))
	vivErr := gatherValue(t, a.Agent, "overlay_vivaldi_error")
	assert.True(t, vivErr > 0 && vivErr < 1.5, "Vivaldi error %v", vivErr)
	assert.Zero(t, gatherValue(t, a.Agent, "overlay_datadir_errors_total"))
	assert.Zero(t, gatherValue(t, a.Agent, "overlay_datadir_failing"))

	// A crash: the survivors suspect it and declare it dead.
	h.net.Crash(addr(all[3]))
	require.True(t, h.waitFor(time.Minute, func() bool { return h.sees(all[3:], catalog.Dead) }))
	var suspicions, deaths float64
	for _, name := range all[:3] {
		suspicions += gatherValue(t, h.agents[name].Agent, "overlay_swim_suspicions_raised_total")
		deaths += gatherValue(t, h.agents[name].Agent, "overlay_swim_deaths_declared_total")
	}
	assert.Positive(t, suspicions)
	assert.Positive(t, deaths)
	h.run(time.Second) // a tick refreshes the counters
	dead, _ = series(gather(t, a.Agent)["overlay_catalog_members"], map[string]string{"status": "dead"})
	assert.Equal(t, 1.0, dead)

	// The handler serves the same in the text format.
	rec := httptest.NewRecorder()
	a.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, err := io.ReadAll(rec.Result().Body)
	require.NoError(t, err)
	assert.Contains(t, string(body), `overlay_catalog_members{status="dead"} 1`)
	assert.Contains(t, string(body), "# HELP overlay_swim_probe_rtt_seconds")
}

// Each agent has a registry of its own: two agents in one process do not
// collide, and each reports its own numbers.
func TestMetricsArePerAgent(t *testing.T) {
	h := newHarness(t)
	a := h.start("a", nil)
	b := h.start("b", nil)
	require.NotSame(t, a.Registry(), b.Registry())
	_, err := a.Join(t.Context(), []string{addr("b")})
	require.NoError(t, err)
	require.True(t, h.waitFor(10*time.Second, func() bool { return h.sees([]string{"a", "b"}, catalog.Alive) }))
	h.run(time.Second)
	assert.Equal(t, 1.0, gatherValue(t, a.Agent, "overlay_join_attempts_total"), "a joined once")
	assert.Zero(t, gatherValue(t, b.Agent, "overlay_join_attempts_total"), "b never joined anyone")
}
