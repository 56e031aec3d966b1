package overlay

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// quicSeq is a numbered test message sent on streams, at the priority it
// names.
type quicSeq struct {
	Seq  uint64 `cbor:"1,keyasint,omitempty"`
	Prio uint8  `cbor:"2,keyasint,omitempty"`
	Pad  []byte `cbor:"3,keyasint,omitempty"`
}

func (quicSeq) Protocol() Protocol { return wireTestProto }
func (quicSeq) Type() MsgType      { return 20 }

// quicProbe is a test message of the datagram class, like a SWIM probe.
type quicProbe struct {
	Seq uint64 `cbor:"1,keyasint,omitempty"`
	Pad []byte `cbor:"2,keyasint,omitempty"`
}

func (quicProbe) Protocol() Protocol { return wireTestProto }
func (quicProbe) Type() MsgType      { return 21 }

// testClassifier sends quicProbe as datagrams and quicSeq at its Prio.
func testClassifier(m Message) Class {
	switch m := m.(type) {
	case quicProbe:
		return Class{Priority: PriorityMembership, Datagram: true}
	case quicSeq:
		if m.Prio != 0 {
			return Class{Priority: Priority(m.Prio)}
		}
	}
	return Class{Priority: PriorityPayload}
}

func newQUICTestRegistry(tb testing.TB) *Registry {
	tb.Helper()
	r := NewRegistry()
	require.NoError(tb, Register[quicSeq](r))
	require.NoError(tb, Register[quicProbe](r))
	return r
}

// waitTimeout bounds every wait on a condition in these tests; the
// conditions normally hold within milliseconds.
const waitTimeout = 20 * time.Second

// testNode is a transport under test with a goroutine collecting its
// events.
type testNode struct {
	*QUICTransport
	mu       sync.Mutex
	received []Received
	failed   []PeerFailed
	refusals []Refusal
	drained  chan struct{}
	// onReceive, if set before the node starts, sees every message as it
	// arrives, on the goroutine that collects events.
	onReceive func(*testNode, Received)
}

// testNet makes nodes that share a CA, and closes them at the end of the
// test, checking that no goroutine outlives them.
type testNet struct {
	tb         testing.TB
	ca         *CA
	reg        *Registry
	goroutines int
	nodes      []*testNode
}

func newTestNet(tb testing.TB) *testNet {
	tb.Helper()
	ca, err := NewThrowawayCA()
	require.NoError(tb, err)
	n := &testNet{tb: tb, ca: ca, reg: newQUICTestRegistry(tb), goroutines: runtime.NumGoroutine()}
	tb.Cleanup(n.closeAll)
	return n
}

// config returns a Config for a node called name, with the test
// classifier and short timeouts.
func (n *testNet) config(name NodeID) Config {
	id, err := n.ca.Identity(name, CertOptions{})
	require.NoError(n.tb, err)
	return Config{
		Identity:         id,
		Registry:         n.reg,
		Classifier:       testClassifier,
		HandshakeTimeout: 10 * time.Second, // the race detector on a shared machine is slow
		IdleTimeout:      5 * time.Second,
	}
}

// node starts a transport called name on a loopback socket.
func (n *testNet) node(name NodeID, adjust ...func(*Config)) *testNode {
	cfg := n.config(name)
	for _, f := range adjust {
		f(&cfg)
	}
	tn := &testNode{drained: make(chan struct{})}
	user := cfg.OnRefused
	cfg.OnRefused = func(r Refusal) {
		tn.mu.Lock()
		tn.refusals = append(tn.refusals, r)
		tn.mu.Unlock()
		if user != nil {
			user(r)
		}
	}
	tr, err := ListenQUICTransport("127.0.0.1:0", cfg)
	require.NoError(n.tb, err)
	return n.track(tr, tn)
}

// nodeOn starts a transport on conn with cfg, calling onReceive, if not
// nil, for every message it receives.
func (n *testNet) nodeOn(conn net.PacketConn, cfg Config, onReceive func(*testNode, Received)) *testNode {
	tr, err := NewQUICTransport(conn, cfg)
	require.NoError(n.tb, err)
	return n.track(tr, &testNode{drained: make(chan struct{}), onReceive: onReceive})
}

func (n *testNet) track(tr *QUICTransport, tn *testNode) *testNode {
	tn.QUICTransport = tr
	go tn.collect()
	n.nodes = append(n.nodes, tn)
	return tn
}

func (tn *testNode) collect() {
	defer close(tn.drained)
	for ev := range tn.Events() {
		tn.mu.Lock()
		switch ev := ev.(type) {
		case Received:
			if tn.onReceive != nil {
				tn.onReceive(tn, ev)
			}
			tn.received = append(tn.received, ev)
		case PeerFailed:
			tn.failed = append(tn.failed, ev)
		}
		tn.mu.Unlock()
	}
}

// receivedFrom returns the messages received from id, in order.
func (tn *testNode) receivedFrom(id NodeID) []Message {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	var out []Message
	for _, r := range tn.received {
		if r.From.ID == id {
			out = append(out, r.Msg)
		}
	}
	return out
}

func (tn *testNode) failures() []PeerFailed {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	return append([]PeerFailed(nil), tn.failed...)
}

func (tn *testNode) refused() []Refusal {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	return append([]Refusal(nil), tn.refusals...)
}

// close closes tn with ctx and waits for its event channel to close.
func (tn *testNode) close(tb testing.TB, ctx context.Context) error {
	err := tn.Close(ctx)
	select {
	case <-tn.drained:
	case <-time.After(waitTimeout):
		tb.Fatalf("%s: events channel not closed after Close", tn.Self().ID)
	}
	return err
}

// closeAll closes every node still open and checks that the goroutines
// they started are gone.
func (n *testNet) closeAll() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tn := range n.nodes {
		if !tn.isClosing() {
			require.NoError(n.tb, tn.close(n.tb, ctx))
		}
	}
	requireNoGoroutineLeak(n.tb, n.goroutines)
}

// requireNoGoroutineLeak waits for the goroutine count to fall back to
// baseline.
func requireNoGoroutineLeak(tb testing.TB, baseline int) {
	tb.Helper()
	deadline := time.After(waitTimeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for runtime.NumGoroutine() > baseline {
		select {
		case <-tick.C:
		case <-deadline:
			buf := make([]byte, 1<<20)
			tb.Fatalf("%d goroutines, %d before the test:\n%s", runtime.NumGoroutine(), baseline, buf[:runtime.Stack(buf, true)])
		}
	}
}

// eventually waits for cond, failing the test with msg after waitTimeout.
func eventually(tb testing.TB, cond func() bool, format string, args ...any) {
	tb.Helper()
	require.Eventually(tb, cond, waitTimeout, 5*time.Millisecond, fmt.Sprintf(format, args...))
}

// seqs returns the Seq of each quicSeq in msgs.
func seqs(msgs []Message) []uint64 {
	var out []uint64
	for _, m := range msgs {
		if s, ok := m.(quicSeq); ok {
			out = append(out, s.Seq)
		}
	}
	return out
}
