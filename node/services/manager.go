package services

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/clock"
)

// Errors of the [Manager].
var (
	// ErrUnknownCheck reports a check ID that no registered service has.
	ErrUnknownCheck = errors.New("services: unknown check")
	// ErrNotTTL reports a status update for a check that is not a TTL
	// check: only a TTL check takes its status from the service.
	ErrNotTTL = errors.New("services: not a TTL check")
	// ErrStopped reports a call to a Manager whose Run has returned.
	ErrStopped = errors.New("services: manager stopped")
	// ErrNotSaved reports a change refused because the data directory
	// would not take it (full, read-only, gone): the change is undone, so
	// that no registration vanishes at the next restart.
	ErrNotSaved = errors.New("services: saving the registrations")
)

// Manager owns this agent's service instances and runs their checks. One
// goroutine, [Manager.Run], owns the state; the methods hand it requests
// and wait for the answer, and readers take the immutable [View]. Every
// method is safe for concurrent use.
type Manager struct {
	cfg     Config
	reqs    chan func(context.Context)
	results chan checkResult
	done    chan struct{}
	started atomic.Bool
	// overLimit counts the registrations refused at MaxServices or
	// MaxChecks.
	overLimit atomic.Uint64

	view     atomic.Pointer[View]
	notifier Notifier

	// Owned by Run's goroutine.
	services map[string]*instance
	checks   map[string]*checkState
	runners  sync.WaitGroup
	runCtx   context.Context
	gen      uint64
	dirty    bool
	timer    clock.Timer
	timerAt  time.Time
}

// instance is a registered service with its checks.
type instance struct {
	def    Definition
	checks []*checkState
	// published is the health the Publisher last took.
	published catalog.Health
}

func (in *instance) health() catalog.Health {
	worst := catalog.Passing
	for _, c := range in.checks {
		worst = max(worst, c.status)
	}
	return worst
}

func (in *instance) service() catalog.Service {
	return catalog.Service{
		ID: in.def.ID, Name: in.def.Name, Address: in.def.Address, Port: uint16(in.def.Port),
		Tags: slices.Clone(in.def.Tags), Meta: maps.Clone(in.def.Meta), Health: in.health(),
	}
}

// checkState is a check of an instance and its latest result.
type checkState struct {
	def      CheckDefinition
	instance *instance
	status   catalog.Health
	output   string
	reported string
	// reportedAt is when reported last followed output.
	reportedAt time.Time
	// criticalSince is when the check became critical; zero if it is
	// not.
	criticalSince time.Time
	// ttlDeadline is when a TTL check's last report runs out.
	ttlDeadline time.Time
	// gen tells the results of this check's runner from those of a
	// runner it replaced.
	gen    uint64
	cancel context.CancelFunc
}

type checkResult struct {
	id     string
	gen    uint64
	status catalog.Health
	output string
}

// New returns a Manager; [Manager.Run] brings it to life.
func New(cfg Config) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Manager{
		cfg:      cfg.withDefaults(),
		reqs:     make(chan func(context.Context)),
		results:  make(chan checkResult, 64),
		done:     make(chan struct{}),
		services: make(map[string]*instance),
		checks:   make(map[string]*checkState),
	}
	m.view.Store(&View{})
	return m, nil
}

// View returns the latest picture of the services and checks.
func (m *Manager) View() *View { return m.view.Load() }

// Changed returns a channel closed once a View with a Version above
// version exists.
func (m *Manager) Changed(version uint64) <-chan struct{} { return m.notifier.Changed(version) }

// Run restores the registrations kept in the data directory, publishes
// them, and then serves the Manager's requests and runs the checks until
// ctx is done; it stops every check before it returns. A state file that
// cannot be read is an error: Run returns it rather than start without the
// registrations. Run may be called once.
func (m *Manager) Run(ctx context.Context) error {
	if !m.started.CompareAndSwap(false, true) {
		return errors.New("services: Run called twice")
	}
	defer close(m.done)
	m.runCtx = ctx
	defer m.stopAll()
	defs, err := load(m.cfg.DataDir)
	if err != nil {
		return err
	}
	for _, d := range defs {
		if err := m.register(ctx, d); err != nil {
			m.cfg.Logger.Error("a kept registration was refused", "service", d.ID, "err", err)
		}
	}
	m.publishView()
	for {
		m.arm()
		var fire <-chan time.Time
		if m.timer != nil {
			fire = m.timer.C()
		}
		select {
		case <-ctx.Done():
			return nil
		case req := <-m.reqs:
			req(ctx)
		case r := <-m.results:
			m.onResult(ctx, r)
		case <-fire:
			m.timer, m.timerAt = nil, time.Time{}
			m.onDeadlines(ctx)
		}
		m.publishView()
	}
}

// do runs fn on Run's goroutine and returns its error.
func (m *Manager) do(ctx context.Context, fn func(context.Context) error) error {
	errc := make(chan error, 1)
	// The View is published before the answer, so that a caller reads
	// its own change.
	req := func(context.Context) {
		err := fn(ctx)
		m.publishView()
		errc <- err
	}
	select {
	case m.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-m.done:
		return ErrStopped
	}
	select {
	case err := <-errc:
		return err
	case <-m.done:
		return ErrStopped
	}
}

// Register adds the instance, or replaces the one with its ID, and
// publishes it. A check kept across the replacement (same ID, same
// definition) keeps its status. A definition whose check ID belongs to
// another service, or that the Publisher refuses, changes nothing.
func (m *Manager) Register(ctx context.Context, def Definition) error {
	// A definition built in code gets the parser's validation and
	// defaults too: it goes through the same JSON.
	b, err := json.Marshal(def)
	if err != nil {
		return fmt.Errorf("services: encoding %q: %w", def.ID, err)
	}
	if def, err = Parse(b); err != nil {
		return err
	}
	return m.do(ctx, func(ctx context.Context) error { return m.register(ctx, def) })
}

// Deregister removes instance id and reports whether it existed.
func (m *Manager) Deregister(ctx context.Context, id string) (bool, error) {
	var found bool
	err := m.do(ctx, func(ctx context.Context) error {
		var err error
		found, err = m.deregister(ctx, id)
		return err
	})
	return found, err
}

// UpdateCheck sets the status and output of a TTL check, which then holds
// for the check's TTL. It fails with [ErrUnknownCheck] or [ErrNotTTL].
func (m *Manager) UpdateCheck(ctx context.Context, checkID string, status catalog.Health, output string) error {
	if status < catalog.Passing || status > catalog.Critical {
		return fmt.Errorf("services: status %v", status)
	}
	return m.do(ctx, func(ctx context.Context) error {
		c, ok := m.checks[checkID]
		switch {
		case !ok:
			return fmt.Errorf("%w: %q", ErrUnknownCheck, checkID)
		case c.def.Kind != TTL:
			return fmt.Errorf("%w: %q is a %s check", ErrNotTTL, checkID, c.def.Kind)
		}
		now := m.cfg.Clock.Now()
		c.ttlDeadline = now.Add(c.def.TTL)
		m.setResult(c, now, status, truncate(output), true)
		m.publishHealth(ctx, c.instance)
		return nil
	})
}

func (m *Manager) register(ctx context.Context, def Definition) error {
	for i, c := range def.Checks {
		if other, ok := m.checks[c.ID]; ok && other.instance.def.ID != def.ID {
			return fieldErrorf(index("Checks", i)+".CheckID", "%q is already a check of service %q", c.ID, other.instance.def.ID)
		}
	}
	old := m.services[def.ID]
	if err := m.checkLimits(def, old); err != nil {
		m.overLimit.Add(1)
		return err
	}
	now := m.cfg.Clock.Now()
	in := &instance{def: def}
	for _, cd := range def.Checks {
		c := &checkState{def: cd, instance: in, status: cd.Status, reportedAt: now, ttlDeadline: now.Add(cd.TTL)}
		if prev, ok := m.checks[cd.ID]; ok && reflect.DeepEqual(prev.def, cd) {
			c.status, c.output, c.reported, c.reportedAt = prev.status, prev.output, prev.reported, prev.reportedAt
			c.criticalSince, c.ttlDeadline = prev.criticalSince, prev.ttlDeadline
		} else if c.status == catalog.Critical {
			c.criticalSince = now
		}
		in.checks = append(in.checks, c)
	}
	svc := in.service()
	if err := m.cfg.Publisher.RegisterService(ctx, svc); err != nil {
		return fmt.Errorf("services: registering %q: %w", def.ID, err)
	}
	in.published = svc.Health
	m.services[def.ID] = in
	if err := m.save(); err != nil {
		m.cfg.Logger.Error("registration undone: the data directory refused it", "service", def.ID, "err", err)
		m.services[def.ID] = old
		if old == nil {
			delete(m.services, def.ID)
			_, _ = m.cfg.Publisher.DeregisterService(ctx, def.ID)
		} else {
			_ = m.cfg.Publisher.RegisterService(ctx, old.service())
		}
		return err
	}
	if old != nil {
		m.stopChecks(old)
	}
	for _, c := range in.checks {
		m.checks[c.def.ID] = c
		m.startCheck(c)
	}
	m.dirty = true
	m.cfg.Logger.Info("service registered", "service", def.ID, "name", def.Name, "checks", len(def.Checks), "health", svc.Health)
	return nil
}

func (m *Manager) deregister(ctx context.Context, id string) (bool, error) {
	in, ok := m.services[id]
	if !ok {
		return false, nil
	}
	if _, err := m.cfg.Publisher.DeregisterService(ctx, id); err != nil {
		return false, fmt.Errorf("services: deregistering %q: %w", id, err)
	}
	delete(m.services, id)
	if err := m.save(); err != nil {
		m.cfg.Logger.Error("deregistration undone: the data directory refused it", "service", id, "err", err)
		m.services[id] = in
		_ = m.cfg.Publisher.RegisterService(ctx, in.service())
		return false, err
	}
	m.stopChecks(in)
	m.dirty = true
	m.cfg.Logger.Info("service deregistered", "service", id)
	return true, nil
}

func (m *Manager) save() error {
	defs := make([]Definition, 0, len(m.services))
	for _, id := range slices.Sorted(maps.Keys(m.services)) {
		defs = append(defs, m.services[id].def)
	}
	return save(m.cfg.DataDir, defs)
}

// startCheck starts the runner of an HTTP or TCP check.
func (m *Manager) startCheck(c *checkState) {
	if c.def.Kind == TTL {
		return
	}
	m.gen++
	ctx, cancel := context.WithCancel(m.runCtx)
	c.gen, c.cancel = m.gen, cancel
	m.runners.Add(1)
	go m.runCheck(ctx, c.def, c.gen)
}

func (m *Manager) stopChecks(in *instance) {
	for _, c := range in.checks {
		if c.cancel != nil {
			c.cancel()
		}
		if m.checks[c.def.ID] == c {
			delete(m.checks, c.def.ID)
		}
	}
}

func (m *Manager) stopAll() {
	for _, in := range m.services {
		m.stopChecks(in)
	}
	m.runners.Wait()
}

// runCheck runs one HTTP or TCP check at once and then every interval,
// and hands each result to Run's goroutine.
func (m *Manager) runCheck(ctx context.Context, def CheckDefinition, gen uint64) {
	defer m.runners.Done()
	p := newProber(def)
	for {
		status, output := p.probe(ctx)
		select {
		case m.results <- checkResult{id: def.ID, gen: gen, status: status, output: output}:
		case <-ctx.Done():
			return
		}
		t := m.cfg.Clock.NewTimer(def.Interval)
		select {
		case <-t.C():
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

func (m *Manager) onResult(ctx context.Context, r checkResult) {
	c, ok := m.checks[r.id]
	if !ok || c.gen != r.gen {
		return // a result of a check replaced or removed since
	}
	m.setResult(c, m.cfg.Clock.Now(), r.status, r.output, false)
	m.publishHealth(ctx, c.instance)
}

// setResult records a check's result. The output is reported at once with
// a change of status, or when report is set; otherwise at most once per
// OutputUpdateInterval.
func (m *Manager) setResult(c *checkState, now time.Time, status catalog.Health, output string, report bool) {
	if status != c.status {
		m.cfg.Logger.Info("check changed", "check", c.def.ID, "service", c.instance.def.ID, "from", c.status, "to", status, "output", output)
		c.status = status
		report = true
		c.criticalSince = time.Time{}
		if status == catalog.Critical {
			c.criticalSince = now
		}
	}
	if output != c.output {
		c.output = output
		m.dirty = true
	}
	if c.reported != c.output && (report || !now.Before(c.reportedAt.Add(m.cfg.OutputUpdateInterval))) {
		c.reported, c.reportedAt = c.output, now
	}
	if report {
		m.dirty = true
	}
}

// publishHealth hands the instance's health to the Publisher if it
// changed; a failure is retried at the next deadline.
func (m *Manager) publishHealth(ctx context.Context, in *instance) {
	h := in.health()
	if h == in.published || m.services[in.def.ID] != in {
		return
	}
	if _, err := m.cfg.Publisher.SetServiceHealth(ctx, in.def.ID, h); err != nil {
		m.cfg.Logger.Warn("publishing a health change failed; will retry", "service", in.def.ID, "health", h, "err", err)
		return
	}
	in.published = h
	m.dirty = true
}

// nextDeadline returns the earliest of the TTLs running out, the critical
// instances to deregister, the outputs to report and the publications to
// retry; zero if none.
func (m *Manager) nextDeadline() time.Time {
	var next time.Time
	consider := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for _, in := range m.services {
		if in.health() != in.published {
			consider(m.cfg.Clock.Now().Add(m.cfg.RetryInterval))
		}
		for _, c := range in.checks {
			if c.def.Kind == TTL && c.status != catalog.Critical {
				consider(c.ttlDeadline)
			}
			if d := c.def.DeregisterCriticalServiceAfter; d > 0 && !c.criticalSince.IsZero() {
				consider(c.criticalSince.Add(d))
			}
			if c.reported != c.output {
				consider(c.reportedAt.Add(m.cfg.OutputUpdateInterval))
			}
		}
	}
	return next
}

// arm sets the timer for the next deadline, if it moved.
func (m *Manager) arm() {
	next := m.nextDeadline()
	if next.Equal(m.timerAt) && (m.timer != nil) == !next.IsZero() {
		return
	}
	if m.timer != nil {
		m.timer.Stop()
		m.timer = nil
	}
	m.timerAt = next
	if !next.IsZero() {
		m.timer = m.cfg.Clock.NewTimer(next.Sub(m.cfg.Clock.Now()))
	}
}

// onDeadlines handles everything due: TTLs run out, critical instances
// deregistered, outputs reported, publications retried.
func (m *Manager) onDeadlines(ctx context.Context) {
	now := m.cfg.Clock.Now()
	var reap []string
	for _, id := range slices.Sorted(maps.Keys(m.services)) {
		in := m.services[id]
		for _, c := range in.checks {
			if c.def.Kind == TTL && c.status != catalog.Critical && !now.Before(c.ttlDeadline) {
				m.setResult(c, now, catalog.Critical, fmt.Sprintf("TTL of %v expired", c.def.TTL), true)
			}
			if c.reported != c.output && !now.Before(c.reportedAt.Add(m.cfg.OutputUpdateInterval)) {
				c.reported, c.reportedAt = c.output, now
				m.dirty = true
			}
			if d := c.def.DeregisterCriticalServiceAfter; d > 0 && !c.criticalSince.IsZero() && !now.Before(c.criticalSince.Add(d)) {
				reap = append(reap, id)
			}
		}
		m.publishHealth(ctx, in)
	}
	for _, id := range slices.Compact(reap) {
		if _, err := m.deregister(ctx, id); err != nil {
			m.cfg.Logger.Error("deregistering a critical service failed", "service", id, "err", err)
			continue
		}
		m.cfg.Logger.Warn("deregistered a service critical for longer than DeregisterCriticalServiceAfter", "service", id)
	}
}

// publishView publishes a new View if anything changed.
func (m *Manager) publishView() {
	if !m.dirty {
		return
	}
	m.dirty = false
	v := &View{}
	for _, id := range slices.Sorted(maps.Keys(m.services)) {
		in := m.services[id]
		v.Services = append(v.Services, ServiceStatus{Definition: in.def, Health: in.health()})
		for _, c := range in.checks {
			v.Checks = append(v.Checks, CheckStatus{
				Definition: c.def, ServiceID: in.def.ID, ServiceName: in.def.Name,
				Status: c.status, Output: c.output, ReportedOutput: c.reported,
			})
		}
	}
	slices.SortFunc(v.Checks, func(a, b CheckStatus) int { return strings.Compare(a.Definition.ID, b.Definition.ID) })
	v.Version = m.View().Version + 1
	m.view.Store(v)
	m.notifier.Bump()
}
