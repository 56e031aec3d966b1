package services_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/clock"
	"github.com/overlayd/overlayd/node/services"
)

// statusServer answers every request with the status code it holds.
func statusServer(t *testing.T, code int) (*httptest.Server, *atomic.Int32) {
	var status atomic.Int32
	status.Store(int32(code))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(int(status.Load()))
		_, _ = w.Write([]byte("status body"))
	}))
	t.Cleanup(srv.Close)
	return srv, &status
}

// advanceRunner advances the clock by d once the check runner has set its
// interval timer, so that the next run follows.
func advanceRunner(t *testing.T, clk *clock.Fake, d time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool { return clk.Pending() > 0 }, 10*time.Second, time.Millisecond)
	clk.Advance(d)
}

func TestHTTPCheckDrivesHealth(t *testing.T) {
	srv, status := statusServer(t, http.StatusOK)
	pub, clk := newRecorder(), clock.NewFake(t0)
	m := startManager(t, pub, clk, "")
	def := mustParse(t, `{"Name":"web","Port":80,"Check":{"HTTP":"`+srv.URL+`","Interval":"10s"}}`)
	require.NoError(t, m.Register(context.Background(), def))

	// Registered critical (Consul's initial status), then the first run,
	// at once, makes it passing.
	waitView(t, m, func(v *services.View) bool { return checkStatus(v, "service:web") == catalog.Passing })
	require.Eventually(t, func() bool { s, _ := pub.get("web"); return s.Health == catalog.Passing }, 10*time.Second, time.Millisecond)

	for _, step := range []struct {
		code int
		want catalog.Health
	}{{http.StatusTooManyRequests, catalog.Warning}, {http.StatusServiceUnavailable, catalog.Critical}, {http.StatusNoContent, catalog.Passing}} {
		status.Store(int32(step.code))
		advanceRunner(t, clk, 10*time.Second)
		v := waitView(t, m, func(v *services.View) bool { return checkStatus(v, "service:web") == step.want })
		require.Contains(t, v.Checks[0].Output, http.StatusText(step.code))
		require.Equal(t, v.Checks[0].Output, v.Checks[0].ReportedOutput, "a change of status reports the output at once")
	}
	s, _ := pub.get("web")
	require.Equal(t, catalog.Passing, s.Health)
}

func TestHealthIsPublishedOnChangeOnly(t *testing.T) {
	srv, _ := statusServer(t, http.StatusOK)
	pub, clk := newRecorder(), clock.NewFake(t0)
	m := startManager(t, pub, clk, "")
	require.NoError(t, m.Register(context.Background(), mustParse(t, `{"Name":"web","Check":{"HTTP":"`+srv.URL+`","Interval":"1s","Status":"passing"}}`)))
	v := waitView(t, m, func(v *services.View) bool { return v.Checks[0].Output != "" })
	for range 5 {
		advanceRunner(t, clk, time.Second)
		// A result is in once the runner waits on its next interval.
		require.Eventually(t, func() bool { return clk.Pending() > 0 }, 10*time.Second, time.Millisecond)
	}
	require.Equal(t, catalog.Passing, checkStatus(m.View(), "service:web"))
	require.Zero(t, pub.healthCalls(), "passing all along: nothing to publish")
	require.Equal(t, v.Checks[0].Status, catalog.Passing)
}

func TestTCPCheck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	pub, clk := newRecorder(), clock.NewFake(t0)
	m := startManager(t, pub, clk, "")
	require.NoError(t, m.Register(context.Background(), mustParse(t, `{"Name":"db","Check":{"TCP":"`+addr+`","Interval":"5s"}}`)))
	waitView(t, m, func(v *services.View) bool { return checkStatus(v, "service:db") == catalog.Passing })
	require.NoError(t, ln.Close())
	advanceRunner(t, clk, 5*time.Second)
	waitView(t, m, func(v *services.View) bool { return checkStatus(v, "service:db") == catalog.Critical })
	require.Eventually(t, func() bool { s, _ := pub.get("db"); return s.Health == catalog.Critical }, 10*time.Second, time.Millisecond)
}

func TestTTLCheck(t *testing.T) {
	pub, clk := newRecorder(), clock.NewFake(t0)
	m := startManager(t, pub, clk, "")
	ctx := context.Background()
	require.NoError(t, m.Register(ctx, mustParse(t, `{"Name":"job","Check":{"CheckID":"job-ttl","TTL":"30s"}}`)))
	s, _ := pub.get("job")
	require.Equal(t, catalog.Critical, s.Health)

	require.NoError(t, m.UpdateCheck(ctx, "job-ttl", catalog.Warning, "slow"))
	s, _ = pub.get("job")
	require.Equal(t, catalog.Warning, s.Health)
	require.NoError(t, m.UpdateCheck(ctx, "job-ttl", catalog.Passing, "fine"))
	v := waitView(t, m, func(v *services.View) bool { return checkStatus(v, "job-ttl") == catalog.Passing })
	require.Equal(t, "fine", v.Checks[0].Output)

	clk.Advance(29 * time.Second)
	require.NoError(t, m.UpdateCheck(ctx, "job-ttl", catalog.Passing, "fine")) // renewed before it ran out
	clk.Advance(29 * time.Second)
	require.Equal(t, catalog.Passing, checkStatus(m.View(), "job-ttl"))
	clk.Advance(time.Second)
	v = waitView(t, m, func(v *services.View) bool { return checkStatus(v, "job-ttl") == catalog.Critical })
	require.Contains(t, v.Checks[0].Output, "expired")
	require.Eventually(t, func() bool { s, _ := pub.get("job"); return s.Health == catalog.Critical }, 10*time.Second, time.Millisecond)

	require.ErrorIs(t, m.UpdateCheck(ctx, "nope", catalog.Passing, ""), services.ErrUnknownCheck)
}

func TestUpdateCheckRefusesNonTTL(t *testing.T) {
	srv, _ := statusServer(t, http.StatusOK)
	m := startManager(t, newRecorder(), clock.NewFake(t0), "")
	require.NoError(t, m.Register(context.Background(), mustParse(t, `{"Name":"web","Check":{"HTTP":"`+srv.URL+`","Interval":"10s"}}`)))
	require.ErrorIs(t, m.UpdateCheck(context.Background(), "service:web", catalog.Passing, ""), services.ErrNotTTL)
}

func TestDeregisterCriticalServiceAfter(t *testing.T) {
	pub, clk := newRecorder(), clock.NewFake(t0)
	m := startManager(t, pub, clk, "")
	ctx := context.Background()
	require.NoError(t, m.Register(ctx, mustParse(t, `{"Name":"job","Check":{"TTL":"10s","Status":"passing","DeregisterCriticalServiceAfter":"1m"}}`)))
	clk.Advance(10 * time.Second) // services.TTL runs out: critical from now
	waitView(t, m, func(v *services.View) bool { return checkStatus(v, "service:job") == catalog.Critical })
	clk.Advance(59 * time.Second)
	_, ok := m.View().Service("job")
	require.True(t, ok, "critical for 59 s only")
	clk.Advance(time.Second)
	waitView(t, m, func(v *services.View) bool { _, ok := v.Service("job"); return !ok })
	_, ok = pub.get("job")
	require.False(t, ok)
}

func TestRefusedRegistrationChangesNothing(t *testing.T) {
	pub := newRecorder()
	dir := t.TempDir()
	m := startManager(t, pub, clock.NewFake(t0), dir)
	ctx := context.Background()
	require.NoError(t, m.Register(ctx, mustParse(t, `{"Name":"web","Port":80,"Check":{"CheckID":"c1","TTL":"1m"}}`)))
	before := m.View()
	file, err := os.ReadFile(filepath.Join(dir, services.StateFile))
	require.NoError(t, err)

	pub.failNext(errPublisher)
	require.ErrorIs(t, m.Register(ctx, mustParse(t, `{"Name":"web","Port":81}`)), errPublisher)
	// A check ID of another service.
	err = m.Register(ctx, mustParse(t, `{"Name":"api","Check":{"CheckID":"c1","TTL":"1m"}}`))
	var fe *services.FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "Checks[0].CheckID", fe.Field)

	require.Equal(t, before, m.View())
	s, _ := pub.get("web")
	require.Equal(t, uint16(80), s.Port)
	after, err := os.ReadFile(filepath.Join(dir, services.StateFile))
	require.NoError(t, err)
	require.Equal(t, file, after)
}

func TestRegistrationsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	def := mustParse(t, `{"ID":"web-1","Name":"web","Port":80,"Tags":["a"],"Check":{"TTL":"1m"}}`)
	func() {
		m, err := services.New(services.Config{Publisher: newRecorder(), Clock: clock.NewFake(t0), DataDir: dir})
		require.NoError(t, err)
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- m.Run(runCtx) }()
		require.NoError(t, m.Register(ctx, def))
		require.NoError(t, m.Register(ctx, mustParse(t, `{"Name":"gone"}`)))
		found, err := m.Deregister(ctx, "gone")
		require.NoError(t, err)
		require.True(t, found)
		cancel()
		require.NoError(t, <-done)
	}()

	pub := newRecorder()
	m := startManager(t, pub, clock.NewFake(t0), dir)
	v := waitView(t, m, func(v *services.View) bool { return len(v.Services) == 1 })
	require.Equal(t, def, v.Services[0].Definition)
	s, ok := pub.get("web-1")
	require.True(t, ok, "restored registrations are published again")
	require.Equal(t, []string{"a"}, s.Tags)
}

func TestCorruptStateFileStopsRun(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, services.StateFile), []byte(`{"Services":[{"Name":""}]}`), 0o600))
	m, err := services.New(services.Config{Publisher: newRecorder(), DataDir: dir})
	require.NoError(t, err)
	err = m.Run(context.Background())
	require.ErrorIs(t, err, services.ErrInvalidDefinition)
	require.ErrorIs(t, m.Register(context.Background(), mustParse(t, `{"Name":"x"}`)), services.ErrStopped)
}

func TestReRegisterKeepsUnchangedChecks(t *testing.T) {
	pub := newRecorder()
	m := startManager(t, pub, clock.NewFake(t0), "")
	ctx := context.Background()
	require.NoError(t, m.Register(ctx, mustParse(t, `{"Name":"web","Checks":[{"CheckID":"a","TTL":"1m"},{"CheckID":"b","TTL":"1m"}]}`)))
	require.NoError(t, m.UpdateCheck(ctx, "a", catalog.Passing, ""))
	require.NoError(t, m.UpdateCheck(ctx, "b", catalog.Passing, ""))
	require.NoError(t, m.Register(ctx, mustParse(t, `{"Name":"web","Port":81,"Checks":[{"CheckID":"a","TTL":"1m"},{"CheckID":"b","TTL":"2m"}]}`)))
	v := m.View()
	require.Equal(t, catalog.Passing, checkStatus(v, "a"), "same definition: status kept")
	require.Equal(t, catalog.Critical, checkStatus(v, "b"), "new definition: starts over")
	s, _ := pub.get("web")
	require.Equal(t, catalog.Critical, s.Health)
}

func TestFailedHealthPublicationIsRetried(t *testing.T) {
	pub, clk := newRecorder(), clock.NewFake(t0)
	m := startManager(t, pub, clk, "")
	ctx := context.Background()
	require.NoError(t, m.Register(ctx, mustParse(t, `{"Name":"job","Check":{"TTL":"1m"}}`)))
	pub.failNext(errPublisher)
	require.NoError(t, m.UpdateCheck(ctx, "service:job", catalog.Passing, ""))
	s, _ := pub.get("job")
	require.Equal(t, catalog.Critical, s.Health, "the publication failed")
	clk.Advance(services.DefaultRetryInterval)
	require.Eventually(t, func() bool { s, _ := pub.get("job"); return s.Health == catalog.Passing }, 10*time.Second, time.Millisecond)
}

func TestRegisterValidatesDefinitionsBuiltInCode(t *testing.T) {
	m := startManager(t, newRecorder(), clock.NewFake(t0), "")
	err := m.Register(context.Background(), services.Definition{Name: "web", Checks: []services.CheckDefinition{{TTL: -time.Second}}})
	var fe *services.FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "Checks[0].TTL", fe.Field)
	require.NoError(t, m.Register(context.Background(), services.Definition{Name: "web", Checks: []services.CheckDefinition{{TTL: time.Minute}}}))
	v := m.View()
	require.Equal(t, "web", v.Services[0].ID, "defaults filled in")
	require.Equal(t, "service:web", v.Checks[0].Definition.ID)
}
