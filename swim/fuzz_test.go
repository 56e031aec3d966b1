package swim

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

func newCodec(t testing.TB) *overlay.Codec {
	reg := overlay.NewRegistry()
	require.NoError(t, RegisterMessages(reg))
	c, err := overlay.NewCodec(overlay.Limits{}, reg)
	require.NoError(t, err)
	return c
}

func sampleMessages() []overlay.Message {
	return []overlay.Message{
		Ping{Seq: 9, Target: peer(1).ID},
		Ack{Seq: 9, Payload: []byte{1, 2, 3}, Incarnation: 4},
		PingReq{Seq: 9, Target: peer(2), TimeoutMillis: 500},
		Nack{Seq: 9},
		Suspect{Update: Update{Member: peer(0), Incarnation: 3, State: StateSuspect, From: peer(1).ID}},
	}
}

func TestMessagesRoundTripThroughTheCodec(t *testing.T) {
	c := newCodec(t)
	for _, m := range sampleMessages() {
		b, err := c.Marshal(m)
		require.NoError(t, err)
		got, err := c.Unmarshal(b)
		require.NoError(t, err)
		require.Equal(t, m, got)
	}
}

// invariantChecker checks what must hold after every input, whatever the
// input: no message to this node itself, no probe of it, an incarnation
// that never decreases, a local health score in range and consistent,
// bounded tables. It runs after every step of long fuzz programs, so it
// uses plain comparisons rather than testify's reflection.
type invariantChecker struct {
	t       testing.TB
	n       *Node
	lastInc uint64
}

func (c *invariantChecker) check(step int) {
	c.t.Helper()
	n := c.n
	self := n.Self().ID
	fail := func(format string, args ...any) {
		c.t.Helper()
		c.t.Fatalf("step %d: "+format, append([]any{step}, args...)...)
	}
	for _, o := range n.Ready().Messages {
		if o.To.ID == self {
			fail("message %T to itself", o.Msg)
		}
		if err := o.To.Validate(); err != nil {
			fail("message %T to an invalid peer: %v", o.Msg, err)
		}
	}
	for _, p := range append(n.rotation.peers, n.farewell...) {
		if p.ID == self {
			fail("itself in the probe set")
		}
	}
	if n.probe != nil && n.probe.target.ID == self {
		fail("probing itself")
	}
	if n.Incarnation() < c.lastInc {
		fail("incarnation went back from %d to %d", c.lastInc, n.Incarnation())
	}
	c.lastInc = n.Incarnation()
	if h := n.LocalHealth(); h < 0 || h >= n.cfg.MaxLocalHealth {
		fail("local health %d out of range", h)
	}
	if len(n.relays) > maxRelays || len(n.farewell) > maxFarewells {
		fail("%d relays, %d farewells", len(n.relays), len(n.farewell))
	}
	if _, known := n.members[self]; known {
		fail("a record of itself")
	}
	for _, id := range n.suspected {
		if m := n.members[id]; m.state != StateSuspect || m.suspicion == nil {
			fail("%s listed as suspected but %s", id, m.state)
		}
	}
}

// FuzzStep reads data as a program of inputs — messages of every type from
// arbitrary peers (this node included), observed updates, neighbour changes
// and ticks — and checks the invariants after each.
func FuzzStep(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{7, 0, 0, 0, 7, 1, 200, 0, 3, 1, 2, 0, 2, 0, 9, 9, 4, 1, 1, 1})
	f.Add([]byte{5, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 2, 5, 0, 0, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		// A bounded program keeps every execution, and the minimisation of
		// a long input, fast.
		data = data[:min(len(data), maxProgramBytes)]
		n := newTestNode(t, peers(1, 2, 3), func(c *Config) { c.IndirectChecks = 2 })
		n.SetClusterSize(8)
		c := &invariantChecker{t: t, n: n}
		r := &byteReader{data: data}
		now := epoch
		for step := 0; !r.done(); step++ {
			from := peer(int(r.byte() % 6))
			seq := uint32(r.byte() % 8)
			if n.probe != nil && r.byte()%2 == 0 {
				seq = n.probe.seq
			}
			switch r.byte() % 10 {
			case 0:
				n.Step(now, from, Ping{Seq: seq, Target: peer(int(r.byte() % 6)).ID})
			case 1:
				n.Step(now, from, Ack{Seq: seq, Payload: []byte{r.byte()}, Incarnation: r.uint64()})
			case 2:
				n.Step(now, from, PingReq{Seq: seq, Target: peer(int(r.byte() % 6)), TimeoutMillis: uint32(r.uint64())})
			case 3:
				n.Step(now, from, Nack{Seq: seq})
			case 4:
				n.Step(now, from, Suspect{Update: r.update()})
			case 5:
				n.Observe(now, r.update())
			case 6:
				now = now.Add(time.Duration(r.byte()) * 20 * time.Millisecond)
				n.Tick(now)
			case 7:
				n.NeighborUp(now, from)
			case 8:
				n.NeighborDown(now, from.ID)
			case 9:
				n.SetClusterSize(int(r.byte()))
			}
			c.check(step)
		}
	})
}

const maxProgramBytes = 1024

// byteReader hands out the fuzzer's bytes, zeros once they run out.
type byteReader struct {
	data []byte
	pos  int
}

func (r *byteReader) done() bool { return r.pos >= len(r.data) }

func (r *byteReader) byte() byte {
	if r.done() {
		return 0
	}
	b := r.data[r.pos]
	r.pos++
	return b
}

func (r *byteReader) uint64() uint64 {
	var b [8]byte
	for i := range b {
		b[i] = r.byte()
	}
	return binary.BigEndian.Uint64(b[:])
}

func (r *byteReader) update() Update {
	// Small incarnations collide often; the top bit of the byte picks a
	// huge one to reach saturation.
	inc := uint64(r.byte())
	if inc >= 0x80 {
		inc = ^uint64(0) - inc%4
	} else {
		inc %= 4
	}
	return Update{
		Member:      peer(int(r.byte() % 6)),
		Incarnation: inc,
		State:       State(r.byte() % 6),
		From:        peer(int(r.byte() % 6)).ID,
	}
}

// FuzzDecodeStep feeds wire bytes through the codec into a node, as the
// runtime will: whatever decodes must re-encode to the same message, and
// stepping it from any peer must keep the invariants.
func FuzzDecodeStep(f *testing.F) {
	c := newCodec(f)
	for _, m := range sampleMessages() {
		b, err := c.Marshal(m)
		require.NoError(f, err)
		f.Add(b, uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, from uint8) {
		msg, err := c.Unmarshal(data)
		if err != nil {
			return
		}
		again, err := c.Marshal(msg)
		require.NoError(t, err)
		back, err := c.Unmarshal(again)
		require.NoError(t, err)
		require.Equal(t, normalize(msg), normalize(back))

		n := newTestNode(t, peers(1, 2, 3))
		ic := &invariantChecker{t: t, n: n}
		startProbe(t, n, epoch)
		n.Step(epoch, peer(int(from%5)), msg)
		ic.check(0)
		n.Tick(epoch.Add(time.Minute))
		ic.check(1)
	})
}

// normalize maps an empty payload to nil, since omitempty drops it.
func normalize(m overlay.Message) overlay.Message {
	if a, ok := m.(Ack); ok && len(a.Payload) == 0 {
		a.Payload = nil
		return a
	}
	return m
}
