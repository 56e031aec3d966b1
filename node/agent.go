package node

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/overlayd/overlayd/node/clock"
	"github.com/overlayd/overlayd/overlay"
)

// Errors of the agent.
var (
	// ErrStopped reports a request to an agent whose Run has returned, or
	// that is leaving.
	ErrStopped = errors.New("node: agent stopped")
	// ErrAlreadyRunning reports a second call to Run.
	ErrAlreadyRunning = errors.New("node: agent already running")
	// ErrTransportClosed reports that the transport's events ended while
	// the agent was running.
	ErrTransportClosed = errors.New("node: transport closed")
	// ErrNoAddress reports a Join given no address.
	ErrNoAddress = errors.New("node: no address to join")
)

// maxFailedLogged bounds the failed peers remembered for logging.
const maxFailedLogged = 4096

// Agent runs a Core: one goroutine, Run's, owns it and feeds it the
// transport's events, a ticker and the requests of API callers, and after
// each input writes what the Core produced to the transport and publishes
// a new View if anything changed. It never waits on the network: sends do
// not block, and joins, which must learn a seed's identity, run on a
// goroutine of their own that hands the result to the loop.
//
// Readers use View and Changed, which take no lock. The other methods are
// requests that the loop serialises; they wait for Run.
type Agent struct {
	cfg   AgentConfig
	core  *Core
	tr    overlay.Transport
	clock clock.Clock
	log   *slog.Logger
	store *store
	m     *agentMetrics

	reqs     chan request
	joins    chan joinResult
	joinDone chan map[string]overlay.NodeID
	stopped  chan struct{}
	running  atomic.Bool

	pub      atomic.Pointer[published]
	counters atomic.Pointer[counters]

	// The fields below belong to the loop.
	saved []overlay.Peer // the members saved before this start
	// failed holds the peers whose failure was logged and that have not
	// been heard from since.
	failed map[overlay.NodeID]bool
	// seedIDs maps a join address to the node found there.
	seedIDs       map[string]overlay.NodeID
	joining       bool
	emptySince    time.Time
	nextSeedCheck time.Time
	nextSave      time.Time
	leave         *leaving
}

// request is an action the loop runs for a caller.
type request struct {
	ctx  context.Context
	fn   func(now time.Time) error
	done chan error
}

// joinResult is a join address that answered.
type joinResult struct {
	addr   string
	peer   overlay.Peer
	reason string
}

// NewAgent makes an agent: it reads the data directory, starts the Core
// one incarnation above the highest it used, and publishes a first View.
// Nothing is sent until Run. A data directory that cannot be read or
// written does not stop it: the error is logged, counted and reported by
// PersistError and the metrics, and the agent runs without it.
func NewAgent(cfg AgentConfig) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	cfg.Core.Self = cfg.Transport.Self()
	if cfg.Core.Rand == nil {
		cfg.Core.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	self := cfg.Core.Self
	a := &Agent{
		cfg:      cfg,
		tr:       cfg.Transport,
		clock:    cfg.Clock,
		log:      cfg.Logger.With("node", string(self.ID)),
		reqs:     make(chan request),
		joins:    make(chan joinResult),
		joinDone: make(chan map[string]overlay.NodeID),
		stopped:  make(chan struct{}),
		seedIDs:  make(map[string]overlay.NodeID),
		failed:   make(map[overlay.NodeID]bool),
	}
	now := a.clock.Now()
	a.m = newAgentMetrics(a)
	a.store = openStore(cfg.DataDir, self.ID, a.log, a.m)
	if cfg.Core.RecordKey == nil {
		key, err := a.store.recordKey()
		if err != nil {
			return nil, err
		}
		cfg.Core.RecordKey, a.cfg.Core.RecordKey = key, key
	}
	if cfg.Core.KeyAuthority != nil && cfg.Core.KeyBinding == nil {
		b, err := cfg.Core.KeyAuthority.BindRecordKey(cfg.Core.RecordKey.Public().(ed25519.PublicKey))
		if err != nil {
			return nil, err
		}
		cfg.Core.KeyBinding, a.cfg.Core.KeyBinding = &b, &b
	}
	core, err := New(now, cfg.Core)
	if err != nil {
		return nil, err
	}
	a.core = core
	if start, ok := a.store.startIncarnation(now); ok {
		core.RaiseIncarnation(now, start)
	}
	a.saved = a.store.loadMembers()
	a.publish()
	a.refreshCounters()
	a.log.Info("agent ready", "addr", self.Addr, "datacenter", cfg.Core.Datacenter,
		"incarnation", core.Incarnation(), "data_dir", cfg.DataDir, "seeds", len(cfg.Seeds), "saved_members", len(a.saved))
	return a, nil
}

// Run runs the agent until ctx ends, a Leave completes, or the transport
// closes under it. It returns nil after Leave, ctx's error when ctx ended
// (the agent then stops without leaving, saves its members and closes the
// transport), and ErrTransportClosed if the transport's events ended.
func (a *Agent) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	defer close(a.stopped)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ticker := a.clock.NewTicker(a.cfg.TickInterval)
	defer ticker.Stop()

	go a.store.runSaver(ctx)
	now := a.clock.Now()
	a.nextSeedCheck = now.Add(jitter(a.cfg.SeedCheckInterval))
	a.nextSave = now.Add(a.cfg.SaveInterval)
	a.flush() // the starting incarnation is saved before anything is sent
	a.startJoin(ctx, a.joinTargets(false), "start")
	events := a.tr.Events()
	for {
		select {
		case <-ctx.Done():
			a.stop()
			a.leave.abort(ctx.Err())
			return ctx.Err()
		case ev, ok := <-events:
			if !ok {
				a.log.Error("transport closed under the agent")
				a.store.saveMembersNow(a.clock.Now(), a.membersToSave())
				a.leave.abort(ErrTransportClosed)
				return ErrTransportClosed
			}
			a.onTransportEvent(a.clock.Now(), ev)
		case t := <-ticker.C():
			a.onTick(ctx, t)
		case r := <-a.joins:
			if a.leave == nil {
				a.onJoin(a.clock.Now(), r)
			}
		case identified := <-a.joinDone:
			a.joining = false
			for addr, id := range identified {
				a.seedIDs[addr] = id
			}
		case r := <-a.reqs:
			if a.leave != nil {
				r.done <- fmt.Errorf("%w: leaving", ErrStopped)
				continue
			}
			err := r.fn(a.clock.Now())
			a.flush()
			if a.leave != nil {
				a.leave.done = r.done // answered once the leave completes
			} else {
				r.done <- err // after flush: the caller sees its change in View
			}
		case <-a.leave.lingerDone():
		}
		a.flush()
		if a.leave != nil && a.leave.over(a.clock.Now(), len(a.core.Active())) {
			a.leave.done <- a.finishLeave()
			return nil
		}
	}
}

// onTransportEvent feeds the Core what the transport delivered.
func (a *Agent) onTransportEvent(now time.Time, ev overlay.TransportEvent) {
	switch ev := ev.(type) {
	case overlay.Received:
		if len(a.failed) > 0 {
			delete(a.failed, ev.From.ID)
		}
		a.core.Step(now, ev.From, ev.Msg)
	case overlay.PeerFailed:
		// Every message to a dead peer fails: say so once, until it is
		// heard from again.
		if a.failed[ev.ID] {
			a.log.Debug("peer failed", "peer", string(ev.ID), "err", ev.Err)
		} else {
			if len(a.failed) >= maxFailedLogged {
				clear(a.failed)
			}
			a.failed[ev.ID] = true
			a.log.Info("peer failed", "peer", string(ev.ID), "err", ev.Err)
		}
		a.core.PeerFailed(now, ev.ID)
	}
}

// onTick advances the Core and the runtime's own periodic work.
func (a *Agent) onTick(ctx context.Context, now time.Time) {
	a.core.Tick(now)
	if a.leave == nil {
		a.checkIsolation(ctx, now)
		if !now.Before(a.nextSeedCheck) {
			a.nextSeedCheck = now.Add(jitter(a.cfg.SeedCheckInterval))
			a.checkSeeds(ctx)
		}
	}
	if !now.Before(a.nextSave) {
		a.nextSave = now.Add(a.cfg.SaveInterval)
		a.store.saveMembers(now, a.membersToSave())
		a.store.retryIncarnation()
	}
	a.refreshCounters()
}

// flush writes what the Core produced to the transport: the incarnation
// first, to disk, if it rose; then connections to keep and release; then
// the messages. It publishes a new View if anything changed.
func (a *Agent) flush() {
	rd := a.core.Ready()
	a.store.saveIncarnation(a.core.Incarnation())
	for _, e := range rd.Events {
		switch e := e.(type) {
		case Connect:
			a.tr.Keep(e.Peer)
		case Release:
			a.tr.Release(e.Peer.ID)
		case ProbeRTT:
			a.m.probeRTT.Observe(e.RTT.Seconds())
		case BroadcastDelivered:
			a.m.deliveryDelay.Observe(max(e.Delay, 0).Seconds())
		}
	}
	for _, o := range rd.Messages {
		a.leave.watch(a, o.Msg)
		a.tr.Send(o.To, o.Msg)
	}
	a.publish()
}

// stop ends the agent without leaving: the cluster will find it dead.
func (a *Agent) stop() {
	a.store.saveMembersNow(a.clock.Now(), a.membersToSave())
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := a.closeTransport(ctx)
	a.refreshCounters()
	a.log.Info("agent stopped without leaving", "err", err)
}

// closeTransport closes the transport within ctx, reading its last events
// meanwhile so that it is never stuck handing one over.
func (a *Agent) closeTransport(ctx context.Context) error {
	go func() {
		for range a.tr.Events() {
		}
	}()
	if err := a.tr.Close(ctx); err != nil {
		return fmt.Errorf("node: closing the transport: %w", err)
	}
	return nil
}

// jitter returns a duration in [d/2, d].
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}
