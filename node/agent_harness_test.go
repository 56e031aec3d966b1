package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/clock"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/overlay/memtransport"
)

// linkLatency is the one-way latency of the harness's links.
const linkLatency = 2 * time.Millisecond

// realTimeout bounds, in real time, every wait of the harness, so that a
// bug fails the test instead of hanging it.
const realTimeout = 20 * time.Second

// harness runs agents on a memtransport network and a fake clock. Time
// moves only in run: to each next timer deadline in turn, and at each the
// harness waits until every delivery due has been received and every
// agent that received something has finished with it (a request through
// its loop, which the loop takes only after the inputs before it). So the
// cluster behaves as if every step took no time, and nothing depends on
// how fast the machine is.
type harness struct {
	t      testing.TB
	clock  *clock.Fake
	net    *memtransport.Network
	agents map[string]*testAgent
	order  []string
	fired  uint64
	logs   *syncBuffer
	seed   uint64
	// base holds the agents' data directories.
	base string
}

// testAgent is an agent of the harness and its Run.
type testAgent struct {
	*Agent
	name   string
	tr     *memtransport.Transport
	dir    string
	cancel context.CancelFunc
	done   chan error
	seen   uint64
	over   bool
	err    error
}

func newHarness(t testing.TB) *harness {
	fake := clock.NewFake(t0)
	codec, err := NewCodec()
	require.NoError(t, err)
	net, err := memtransport.New(memtransport.Config{
		Codec:      codec,
		Classifier: Classify,
		Latency:    linkLatency,
		AfterFunc:  func(d time.Duration, f func()) { fake.AfterFunc(d, f) },
	})
	require.NoError(t, err)
	// The directory first: its clean-up then runs after the agents stop.
	h := &harness{t: t, clock: fake, net: net, agents: map[string]*testAgent{}, logs: &syncBuffer{}, base: t.TempDir()}
	t.Cleanup(func() {
		for _, name := range h.order {
			h.stop(name)
		}
		if t.Failed() {
			logs := h.logs.String()
			t.Logf("agent logs (last 20 kB):\n%s", logs[max(0, len(logs)-20<<10):])
		}
	})
	return h
}

// addr is the address of the agent called name.
func addr(name string) string { return name + ":7946" }

// start starts an agent called name, in datacenter dc1, with its data
// directory under the test's temporary directory, and lets edit change
// its configuration first. A name started again after stop gets its old
// data directory back.
func (h *harness) start(name string, edit func(*AgentConfig)) *testAgent {
	h.t.Helper()
	tr, err := h.net.Attach(overlay.Peer{ID: overlay.NodeID(name), Addr: addr(name)})
	require.NoError(h.t, err)
	dir := filepath.Join(h.base, name)
	if old := h.agents[name]; old != nil {
		dir = old.dir
	} else {
		h.order = append(h.order, name)
	}
	h.seed++
	cfg := AgentConfig{
		Core:         Config{Datacenter: "dc1", Rand: rand.New(rand.NewPCG(h.seed, 42))},
		Transport:    tr,
		Clock:        h.clock,
		Logger:       slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		DataDir:      dir,
		SaveInterval: 5 * time.Second,
	}
	if edit != nil {
		edit(&cfg)
	}
	a, err := NewAgent(cfg)
	require.NoError(h.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	ta := &testAgent{Agent: a, name: name, tr: tr, dir: cfg.DataDir, cancel: cancel, done: make(chan error, 1)}
	go func() { ta.done <- a.Run(ctx) }()
	h.agents[name] = ta
	ta.barrier(h.t) // the loop runs, its ticker is on the clock
	return ta
}

// stop stops an agent without leaving and waits for its Run to return.
func (h *harness) stop(name string) {
	ta := h.agents[name]
	ta.cancel()
	ta.wait(h.t)
}

// vary gives every link among the named agents a latency of its own, 1
// to 20 ms, drawn from seed. With one latency everywhere copies of a
// broadcast tie at their receivers, and Plumtree's tree is pruned harder
// (BenchmarkAgentCluster): both regimes are worth running.
func (h *harness) vary(names []string, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			h.net.SetLink(addr(names[i]), addr(names[j]), memtransport.Link{Latency: time.Duration(1+rng.IntN(20)) * time.Millisecond})
		}
	}
}

// leave calls Leave, with a deadline of 5 s of real time, while the
// cluster runs, and returns its error.
func (h *harness) leave(ta *testAgent) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ta.Leave(ctx) }()
	for {
		select {
		case err := <-done:
			return err
		default:
			h.run(10 * time.Millisecond)
		}
	}
}

// wait waits for Run to return and records its error.
func (ta *testAgent) wait(t testing.TB) error {
	if !ta.over {
		select {
		case ta.err = <-ta.done:
			ta.over = true
		case <-time.After(realTimeout):
			t.Fatalf("%s: Run did not return", ta.name)
		}
	}
	return ta.err
}

// running returns the agents whose Run has not returned.
func (h *harness) running() []*testAgent {
	var out []*testAgent
	for _, name := range h.order {
		ta := h.agents[name]
		select {
		case ta.err = <-ta.done:
			ta.over = true
		default:
		}
		if !ta.over {
			out = append(out, ta)
		}
	}
	return out
}

// run advances the clock by d, settling at every timer deadline.
func (h *harness) run(d time.Duration) {
	end := h.clock.Now().Add(d)
	for {
		next, ok := h.clock.Next()
		if !ok || next.After(end) {
			h.clock.AdvanceTo(end)
			h.settle()
			return
		}
		h.clock.AdvanceTo(next)
		h.settle()
	}
}

// settle waits until every delivery due has been received, and every
// agent that received a delivery or a tick has processed it.
func (h *harness) settle() {
	ticked := h.clock.Fired() != h.fired
	h.fired = h.clock.Fired()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), realTimeout)
		require.NoError(h.t, h.net.WaitIdle(ctx), "the network did not settle")
		cancel()
		busy := false
		for _, ta := range h.running() {
			if d := ta.tr.Delivered(); ticked || d != ta.seen {
				ta.seen = d
				busy = true
				ta.barrier(h.t)
			}
		}
		ticked = false
		if !busy {
			return
		}
	}
}

// barrier returns once the agent's loop has processed everything it
// received before.
func (ta *testAgent) barrier(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), realTimeout)
	defer cancel()
	err := ta.do(ctx, func(time.Time) error { return nil })
	if err != nil && !errors.Is(err, ErrStopped) {
		t.Fatalf("%s: the loop did not answer: %v", ta.name, err)
	}
}

// waitFor runs the cluster in steps of 100 ms until cond holds, for at
// most max of virtual time, and reports whether it held.
func (h *harness) waitFor(max time.Duration, cond func() bool) bool {
	for end := h.clock.Now().Add(max); h.clock.Now().Before(end); {
		if cond() {
			return true
		}
		h.run(100 * time.Millisecond)
	}
	return cond()
}

// eventually polls cond in real time until it holds, for what runs
// outside the harness's settling: an agent's joiner goroutine.
func eventually(t testing.TB, cond func() bool, msg string) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(realTimeout)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal(msg)
		}
	}
}

// sees reports whether every running agent but those named in except
// holds each member of names in status want.
func (h *harness) sees(names []string, want catalog.Status, except ...string) bool {
	for _, ta := range h.running() {
		if contains(except, ta.name) {
			continue
		}
		snap := ta.View().Catalog
		for _, n := range names {
			if r, ok := snap.Get(overlay.NodeID(n)); !ok || r.Status != want {
				return false
			}
		}
	}
	return true
}

// seesAt reports whether every running agent holds name's record at
// incarnation inc or above.
func (h *harness) seesAt(name string, inc uint64) bool {
	for _, ta := range h.running() {
		if r, ok := ta.View().Catalog.Get(overlay.NodeID(name)); !ok || r.Incarnation < inc {
			return false
		}
	}
	return true
}

func contains(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// names returns n agent names.
func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("agent-%02d", i)
	}
	return out
}

// syncBuffer is a bytes.Buffer for many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
