package node

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/datadir"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/overlay/memtransport"
)

// seeded returns an edit that gives an agent seeds.
func seeded(seeds ...string) func(*AgentConfig) {
	return func(c *AgentConfig) { c.Seeds = seeds }
}

// cluster starts n agents seeded with the first three and waits until
// every catalog shows them all alive.
func cluster(t testing.TB, h *harness, n int, edit func(*AgentConfig)) []string {
	t.Helper()
	all := names(n)
	seeds := []string{addr(all[0]), addr(all[1]), addr(all[2%n])}
	for _, name := range all {
		h.start(name, func(c *AgentConfig) {
			c.Seeds = seeds
			if edit != nil {
				edit(c)
			}
		})
	}
	require.True(t, h.waitFor(time.Minute, func() bool { return h.sees(all, catalog.Alive) }),
		"every catalog shows all %d agents alive", n)
	return all
}

func TestAgentsConverge(t *testing.T) {
	for _, n := range []int{3, 12, 50} {
		t.Run(fmt.Sprintf("%d agents", n), func(t *testing.T) {
			if n > 12 && testing.Short() {
				t.Skip("50 agents: not in -short")
			}
			h := newHarness(t)
			h.vary(names(n), uint64(n))
			all := cluster(t, h, n, nil)
			t.Logf("converged after %v of virtual time", h.clock.Now().Sub(t0))
			h.run(30 * time.Second)
			assert.True(t, h.sees(all, catalog.Alive), "and stay so")
			for _, ta := range h.running() {
				v := ta.View()
				assert.Equal(t, n, v.Catalog.Len(), "%s knows exactly the cluster", ta.name)
				assert.NotEmpty(t, v.Active, "%s has active peers", ta.name)
				assert.Zero(t, v.LocalHealth, "%s is healthy", ta.name)
			}
		})
	}
}

// Nodes that join a seed before it has joined the others form islands
// that know nothing of each other; the check that every seed is in the
// catalog merges them.
func TestBootstrapIslandsMerge(t *testing.T) {
	h := newHarness(t)
	// s1 and x make one island: x tries s2 too, but s2 is not up yet.
	h.start("s1", seeded(addr("s1")))
	h.start("x", seeded(addr("s1"), addr("s2")))
	require.True(t, h.waitFor(10*time.Second, func() bool { return h.sees([]string{"s1", "x"}, catalog.Alive) }))
	// s2 and y make another: s2 thinks it is the first seed.
	h.start("s2", seeded(addr("s2")))
	h.start("y", seeded(addr("s2")))
	all := []string{"s1", "x", "s2", "y"}
	require.True(t, h.waitFor(2*DefaultSeedCheckInterval, func() bool { return h.sees(all, catalog.Alive) }),
		"x finds s2 missing from its catalog and joins it")
}

func TestAgentJoinsThroughSeedsThatComeUpLate(t *testing.T) {
	h := newHarness(t)
	late := h.start("late", seeded(addr("seed")))
	rounds := func() int { return strings.Count(h.logs.String(), "join: no address answered") }
	eventually(t, func() bool { return rounds() >= 1 }, "the first round fails")
	start := h.clock.Now()
	eventually(t, func() bool { // round after round, 0.5–1 s apart, then 1–2 s
		h.run(100 * time.Millisecond)
		return rounds() >= 3
	}, "the joiner tries again as the clock runs")
	assert.GreaterOrEqual(t, h.clock.Now().Sub(start), 1500*time.Millisecond, "with backoff")
	assert.Empty(t, late.View().Active)
	h.start("seed", nil)
	require.True(t, h.waitFor(time.Minute, func() bool { return h.sees([]string{"late", "seed"}, catalog.Alive) }),
		"the joiner keeps trying until the seed answers")
}

func TestCrashedAgentIsSeenDead(t *testing.T) {
	h := newHarness(t)
	all := cluster(t, h, 8, nil)
	victim := h.agents[all[5]]
	h.net.Crash(addr(victim.name))
	assert.ErrorIs(t, victim.wait(t), ErrTransportClosed, "its Run ends when the transport dies under it")
	require.True(t, h.waitFor(time.Minute, func() bool { return h.sees([]string{victim.name}, catalog.Dead) }),
		"every survivor declares it dead")
	for _, ta := range h.running() {
		for _, r := range ta.View().Catalog.Members() {
			if r.Member.ID != overlay.NodeID(victim.name) && r.Status != catalog.Alive {
				t.Errorf("%s holds %s %s", ta.name, r.Member.ID, r.Status)
			}
		}
	}
	assert.Contains(t, h.logs.String(), "peer failed")
}

func TestLeaveIsSeenLeftEverywhereAndARestartRevives(t *testing.T) {
	h := newHarness(t)
	all := cluster(t, h, 6, nil)
	leaver := h.agents[all[4]]
	leftAt := leaver.View().Incarnation

	start, virtual := time.Now(), h.clock.Now()
	require.NoError(t, h.leave(leaver), "Leave returns within its deadline")
	t.Logf("Leave took %v of virtual time, %v real", h.clock.Now().Sub(virtual), time.Since(start))
	require.NoError(t, leaver.wait(t), "Run returns nil after Leave")
	ctx := context.Background()
	assert.ErrorIs(t, leaver.Leave(ctx), ErrStopped)
	_, err := leaver.tr.Identify(ctx, addr(all[0]))
	assert.Error(t, err, "the transport is closed")
	require.True(t, h.waitFor(10*time.Second, func() bool { return h.sees([]string{leaver.name}, catalog.Left, leaver.name) }),
		"every other agent sees it left")
	assert.Contains(t, h.logs.String(), "left the cluster")

	// Back from the same data directory, with no seed: its saved members
	// let it in, one incarnation above the one it left at.
	back := h.start(leaver.name, nil)
	assert.Equal(t, leftAt+1, back.View().Incarnation)
	require.True(t, h.waitFor(30*time.Second, func() bool { return h.sees(all, catalog.Alive) }),
		"it is alive again everywhere")
}

// A leaving node whose departure can only go out lazily waits for it, but
// never past its caller's deadline, even with a clock that does not move.
func TestLeaveEndsWithinItsDeadline(t *testing.T) {
	h := newHarness(t)
	all := cluster(t, h, 12, nil)
	h.run(10 * time.Second)
	var leaver *testAgent
	for _, name := range all {
		ta := h.agents[name]
		var eager int
		require.NoError(t, ta.do(context.Background(), func(time.Time) error { eager = len(ta.core.pt.Eager()); return nil }))
		if eager == 0 {
			leaver = ta
			break
		}
	}
	if leaver == nil {
		t.Skip("every agent has an eager Plumtree peer: a departure would leave at once")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	require.NoError(t, leaver.Leave(ctx), "Leave returns before its deadline")
	assert.Less(t, time.Since(start), time.Second)
	assert.Contains(t, h.logs.String(), "departure_sent=false")
	require.NoError(t, leaver.wait(t))
}

func TestRestartComesBackAliveHigherThroughSavedMembers(t *testing.T) {
	h := newHarness(t)
	all := cluster(t, h, 6, nil)
	h.run(10 * time.Second) // past a SaveInterval: the members are on disk
	victim := h.agents[all[3]]
	before := victim.View().Incarnation
	signedBefore, _ := h.agents[all[0]].View().Catalog.Get(overlay.NodeID(victim.name))
	require.Len(t, signedBefore.Key, ed25519.PublicKeySize)
	h.net.Crash(addr(victim.name))
	victim.wait(t)
	require.True(t, h.waitFor(time.Minute, func() bool { return h.sees([]string{victim.name}, catalog.Dead) }))

	d, err := datadir.Open(victim.dir)
	require.NoError(t, err)
	saved, err := d.LoadMembers()
	require.NoError(t, err)
	assert.NotEmpty(t, saved.Members)

	back := h.start(victim.name, nil) // no seeds
	assert.Greater(t, back.View().Incarnation, before)
	require.True(t, h.waitFor(30*time.Second, func() bool { return h.sees(all, catalog.Alive) }),
		"it rejoins through its saved members and is alive everywhere")
	for _, ta := range h.running() {
		r, _ := ta.View().Catalog.Get(overlay.NodeID(victim.name))
		assert.Greater(t, r.Incarnation, before, "%s holds it at its new incarnation", ta.name)
		assert.Equal(t, signedBefore.Key, r.Key, "%s: it signs with the key in its data directory", ta.name)
	}
}

// A node that lost its record key cannot speak for its name: the peers
// bound the old key to it, refuse records signed with the new one, and
// keep it dead, until they forget it (catalog.Config.DeadRetention).
func TestRestartWithANewRecordKeyIsRefused(t *testing.T) {
	h := newHarness(t)
	all := cluster(t, h, 4, nil)
	victim := h.agents[all[2]]
	h.net.Crash(addr(victim.name))
	victim.wait(t)
	require.True(t, h.waitFor(time.Minute, func() bool { return h.sees([]string{victim.name}, catalog.Dead) }))
	require.NoError(t, os.Remove(filepath.Join(victim.dir, datadir.RecordKeyFile)))

	back := h.start(victim.name, func(c *AgentConfig) { c.Seeds = []string{addr(all[0])} })
	h.run(30 * time.Second)
	for _, ta := range h.running() {
		if ta == back {
			continue
		}
		r, _ := ta.View().Catalog.Get(overlay.NodeID(victim.name))
		assert.Equal(t, catalog.Dead, r.Status, "%s keeps it dead", ta.name)
	}
	forged := false
	for _, ta := range h.running() {
		n, _ := series(gather(t, ta.Agent)["overlay_catalog_records_dropped_total"], map[string]string{"reason": "forged"})
		forged = forged || n > 0
	}
	assert.True(t, forged, "its records are counted as forged, in the metrics")
}

// recordingTransport checks, at every Send, that the agent's incarnation
// is on disk already. Send runs on the agent's loop, which owns the Core.
type recordingTransport struct {
	overlay.Transport
	t       *testing.T
	agent   atomic.Pointer[Agent]
	dir     datadir.Dir
	checked atomic.Int64
}

func (r *recordingTransport) Send(to overlay.Peer, msg overlay.Message) {
	if a := r.agent.Load(); a != nil {
		saved, err := r.dir.LoadIncarnation()
		if assert.NoError(r.t, err) {
			assert.GreaterOrEqual(r.t, saved.Incarnation, a.core.Incarnation(), "%T sent at an incarnation not saved", msg)
		}
		r.checked.Add(1)
	}
	r.Transport.Send(to, msg)
}

func TestIncarnationIsSavedBeforeItIsSent(t *testing.T) {
	h := newHarness(t)
	all := cluster(t, h, 4, nil)
	victim := h.agents[all[2]]
	h.stop(victim.name)

	d, err := datadir.Open(victim.dir)
	require.NoError(t, err)
	rec := &recordingTransport{t: t, dir: d}
	back := h.start(victim.name, func(c *AgentConfig) {
		rec.Transport = c.Transport
		c.Transport = rec
	})
	rec.agent.Store(back.Agent)
	// Everyone must hold the restarted incarnation as alive first, or a
	// verdict left over from the stop would pass for the one the cut causes.
	inc := back.View().Incarnation
	require.True(t, h.waitFor(time.Minute, func() bool {
		return h.sees(all, catalog.Alive) && h.seesAt(victim.name, inc)
	}), "the restarted incarnation reached everyone")

	// Cut it off until others suspect it; when it hears of that, it
	// refutes at a higher incarnation, which must reach the disk first.
	h.net.Partition([]string{addr(victim.name)})
	require.True(t, h.waitFor(time.Minute, func() bool {
		return !h.sees([]string{victim.name}, catalog.Alive, victim.name)
	}))
	h.net.Heal()
	require.True(t, h.waitFor(2*time.Minute, func() bool { return h.sees(all, catalog.Alive) }))
	assert.Greater(t, back.View().Incarnation, inc, "it refuted")
	assert.Positive(t, rec.checked.Load())
}

func TestAgentServesOnWithAnUnusableDataDirectory(t *testing.T) {
	h := newHarness(t)
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	h.start("seed", nil)
	broken := h.start("broken", func(c *AgentConfig) {
		c.DataDir = filepath.Join(file, "data") // under a regular file: unusable, even for root
		c.Seeds = []string{addr("seed")}
	})
	require.Error(t, broken.PersistError(), "reported from the start")
	require.True(t, h.waitFor(30*time.Second, func() bool { return h.sees([]string{"seed", "broken"}, catalog.Alive) }),
		"it joins and serves all the same")
	require.NoError(t, broken.RegisterService(context.Background(), catalog.Service{ID: "web-1", Name: "web", Health: catalog.Passing}))
	assert.Error(t, broken.PersistError())
	assert.Positive(t, gatherValue(t, broken.Agent, "overlay_datadir_errors_total"))
	assert.Equal(t, 1.0, gatherValue(t, broken.Agent, "overlay_datadir_failing"))
	assert.Contains(t, h.logs.String(), "data directory")

	// A directory that breaks while the agent runs: its next save fails.
	healthy := h.agents["seed"]
	require.NoError(t, healthy.PersistError())
	require.NoError(t, os.RemoveAll(healthy.dir))
	require.NoError(t, os.WriteFile(healthy.dir, nil, 0o600))
	// The save itself is written by the agent's saver goroutine, in real
	// time, so the wait polls in real time while virtual time moves on.
	eventually(t, func() bool {
		h.run(100 * time.Millisecond)
		return healthy.PersistError() != nil
	}, "the next save fails and is reported")
	h.run(5 * time.Second)
	assert.True(t, h.sees([]string{"seed", "broken"}, catalog.Alive))
}

func TestChangedWakesOnAChangeOnly(t *testing.T) {
	h := newHarness(t)
	a := h.start("alone", nil)
	h.run(time.Second)
	v := a.View()
	changed := a.Changed(v.Index)

	h.run(10 * time.Second) // idle ticks: nothing moves
	a.barrier(t)
	select {
	case <-changed:
		t.Fatalf("Changed woke without a change: view %d, then %d", v.Index, a.View().Index)
	default:
	}
	assert.Same(t, v, a.View(), "no new view was published")

	require.NoError(t, a.RegisterService(context.Background(), catalog.Service{ID: "db-1", Name: "db", Health: catalog.Passing}))
	select {
	case <-changed:
	default:
		t.Fatal("Changed did not wake on a change")
	}
	now := a.View()
	assert.Greater(t, now.Index, v.Index)
	r, _ := now.Catalog.Get("alone")
	assert.Len(t, r.Services, 1, "the change is in the view when the call returns")
	select {
	case <-a.Changed(v.Index):
	default:
		t.Fatal("Changed of an old index is closed already")
	}
	select {
	case <-a.Changed(now.Index):
		t.Fatal("Changed of the latest index waits")
	default:
	}
}

func TestAgentActions(t *testing.T) {
	h := newHarness(t)
	a := h.start("a", nil)
	h.start("b", nil)
	ctx := context.Background()

	_, err := a.Join(ctx, nil)
	assert.ErrorIs(t, err, ErrNoAddress)
	_, err = a.Join(ctx, []string{addr("nobody"), addr("a")})
	assert.Error(t, err, "nobody answers, and a is this node")
	n, err := a.Join(ctx, []string{addr("b"), addr("nobody")})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.True(t, h.waitFor(10*time.Second, func() bool { return h.sees([]string{"a", "b"}, catalog.Alive) }))

	err = a.RegisterService(ctx, catalog.Service{ID: "bad"})
	assert.ErrorIs(t, err, catalog.ErrInvalidRecord, "a service without a name is refused")
	assert.Contains(t, h.logs.String(), "service refused")
	require.NoError(t, a.RegisterService(ctx, catalog.Service{ID: "web-1", Name: "web", Port: 80, Health: catalog.Passing}))
	found, err := a.SetServiceHealth(ctx, "web-1", catalog.Critical)
	require.NoError(t, err)
	assert.True(t, found)
	_, err = a.SetServiceHealth(ctx, "web-1", catalog.Health(9))
	assert.ErrorIs(t, err, catalog.ErrInvalidRecord)
	found, err = a.SetServiceHealth(ctx, "nope", catalog.Passing)
	require.NoError(t, err)
	assert.False(t, found)
	require.True(t, h.waitFor(10*time.Second, func() bool {
		r, _ := h.agents["b"].View().Catalog.Get("a")
		return len(r.Services) == 1 && r.Services[0].Health == catalog.Critical
	}), "b learns of the service and its health")
	found, err = a.DeregisterService(ctx, "web-1")
	require.NoError(t, err)
	assert.True(t, found)
	found, err = a.DeregisterService(ctx, "web-1")
	require.NoError(t, err)
	assert.False(t, found)

	expired, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, a.RegisterService(expired, catalog.Service{ID: "x", Name: "x"}), context.Canceled)
	h.stop("a")
	assert.ErrorIs(t, a.RegisterService(ctx, catalog.Service{ID: "x", Name: "x"}), ErrStopped)
	assert.ErrorIs(t, a.Run(ctx), ErrAlreadyRunning)
}

// Cut in two until each side holds some of the other dead, then healed:
// the reconnection attempts to dead members merge the two sides again.
func TestPartitionHeals(t *testing.T) {
	h := newHarness(t)
	all := cluster(t, h, 8, func(c *AgentConfig) {
		c.Core.ReconnectInterval = 5 * time.Second
		c.SeedCheckInterval = time.Hour // the reconnections alone must heal it
	})
	var side []string
	for i, name := range all {
		if i%2 == 0 {
			side = append(side, addr(name))
		}
	}
	h.net.Partition(side)
	someDead := func() bool {
		for _, ta := range h.running() {
			if ta.View().Catalog.Len() > 0 && countStatus(ta.View(), catalog.Dead) > 0 {
				return true
			}
		}
		return false
	}
	require.True(t, h.waitFor(2*time.Minute, someDead), "the partition produces dead verdicts")
	h.run(30 * time.Second)
	h.net.Heal()
	require.True(t, h.waitFor(3*time.Minute, func() bool { return h.sees(all, catalog.Alive) }),
		"after the heal every catalog shows every agent alive again")
	var reconnects float64
	for _, ta := range h.running() {
		reconnects += gatherValue(t, ta.Agent, "overlay_catalog_reconnect_attempts_total")
	}
	assert.Positive(t, reconnects)
}

func countStatus(v *View, s catalog.Status) int {
	n := 0
	for _, r := range v.Catalog.Members() {
		if r.Status == s {
			n++
		}
	}
	return n
}

func TestAgentConfigValidate(t *testing.T) {
	h := newHarness(t)
	tr, err := h.net.Attach(overlay.Peer{ID: "v", Addr: addr("v")})
	require.NoError(t, err)
	for name, cfg := range map[string]AgentConfig{
		"no transport":  {},
		"negative tick": {Transport: tr, TickInterval: -1},
		"backoff order": {Transport: tr, JoinBackoff: time.Minute, MaxJoinBackoff: time.Second},
		"other self":    {Transport: tr, Core: Config{Self: overlay.Peer{ID: "w", Addr: "w"}}},
		"empty seed":    {Transport: tr, Seeds: []string{""}},
		"bad core":      {Transport: tr}, // no datacenter
	} {
		_, err := NewAgent(cfg)
		assert.ErrorIs(t, err, ErrInvalidConfig, name)
	}
	assert.NoError(t, AgentConfig{Transport: tr}.Validate(), "every field but the transport has a default")
}

// The same agents on the system clock and real-time links: a smoke test of
// the path the daemon takes, with generous deadlines.
func TestAgentsOnTheRealClock(t *testing.T) {
	codec, err := NewCodec()
	require.NoError(t, err)
	net, err := memtransport.New(memtransport.Config{Codec: codec, Classifier: Classify, Latency: time.Millisecond})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var agents []*Agent
	done := make(chan error, 3)
	for _, name := range names(3) {
		tr, err := net.Attach(overlay.Peer{ID: overlay.NodeID(name), Addr: addr(name)})
		require.NoError(t, err)
		a, err := NewAgent(AgentConfig{Core: Config{Datacenter: "dc1"}, Transport: tr, DataDir: filepath.Join(t.TempDir(), name), Seeds: []string{addr(names(1)[0])}})
		require.NoError(t, err)
		agents = append(agents, a)
		go func() { done <- a.Run(ctx) }()
	}
	allAlive := func() bool {
		for _, a := range agents {
			if c := a.View().Catalog; c.Len() != 3 || countStatus(a.View(), catalog.Alive) != 3 {
				return false
			}
		}
		return true
	}
	eventually(t, allAlive, "3 agents on the real clock converge")

	leaveCtx, leaveCancel := context.WithTimeout(ctx, 5*time.Second)
	defer leaveCancel()
	require.NoError(t, agents[2].Leave(leaveCtx))
	require.NoError(t, <-done)
	eventually(t, func() bool {
		r0, _ := agents[0].View().Catalog.Get(overlay.NodeID(names(3)[2]))
		r1, _ := agents[1].View().Catalog.Get(overlay.NodeID(names(3)[2]))
		return r0.Status == catalog.Left && r1.Status == catalog.Left
	}, "the others see it left")
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	assert.ErrorIs(t, <-done, context.Canceled)
}
