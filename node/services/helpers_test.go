package services_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/clock"
	"github.com/overlayd/overlayd/node/services"
)

var t0 = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

// recorder is a services.Publisher that keeps what it was given and counts the
// health publications; fail, when set, makes the next call fail.
type recorder struct {
	mu       sync.Mutex
	services map[string]catalog.Service
	healthN  int
	fail     error
}

func newRecorder() *recorder { return &recorder{services: make(map[string]catalog.Service)} }

func (r *recorder) takeFail() error {
	err := r.fail
	r.fail = nil
	return err
}

func (r *recorder) RegisterService(_ context.Context, s catalog.Service) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFail(); err != nil {
		return err
	}
	r.services[s.ID] = s
	return nil
}

func (r *recorder) DeregisterService(_ context.Context, id string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFail(); err != nil {
		return false, err
	}
	_, ok := r.services[id]
	delete(r.services, id)
	return ok, nil
}

func (r *recorder) SetServiceHealth(_ context.Context, id string, h catalog.Health) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFail(); err != nil {
		return false, err
	}
	s, ok := r.services[id]
	if ok {
		s.Health = h
		r.services[id] = s
		r.healthN++
	}
	return ok, nil
}

func (r *recorder) get(id string) (catalog.Service, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.services[id]
	return s, ok
}

func (r *recorder) healthCalls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.healthN
}

func (r *recorder) failNext(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = err
}

var errPublisher = errors.New("publisher down")

// startManager runs a manager on a fake clock until the test ends.
func startManager(t *testing.T, pub services.Publisher, clk clock.Clock, dir string) *services.Manager {
	t.Helper()
	m, err := services.New(services.Config{Publisher: pub, Clock: clk, DataDir: dir})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return m
}

// waitView waits, without polling, until the manager's view satisfies ok.
func waitView(t *testing.T, m *services.Manager, ok func(*services.View) bool) *services.View {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		v := m.View()
		if ok(v) {
			return v
		}
		select {
		case <-m.Changed(v.Version):
		case <-deadline:
			t.Fatalf("view never satisfied the condition; last: %+v", v)
		}
	}
}

func mustParse(t *testing.T, js string) services.Definition {
	t.Helper()
	d, err := services.Parse([]byte(js))
	require.NoError(t, err)
	return d
}

func checkStatus(v *services.View, id string) catalog.Health {
	for _, c := range v.Checks {
		if c.Definition.ID == id {
			return c.Status
		}
	}
	return 0
}
