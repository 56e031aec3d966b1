package node

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

// TestSampleMeasuresTheExchangeAfterTheWarmUp drives a coordinate sample
// by hand: the warm-up's answer comes back slowly, as over a QUIC
// connection being opened, and only the second exchange is measured.
func TestSampleMeasuresTheExchangeAfterTheWarmUp(t *testing.T) {
	self := func(name string) overlay.Peer { return overlay.Peer{ID: overlay.NodeID(name), Addr: name + ":7946"} }
	a, err := New(t0, Config{Self: self("a"), Datacenter: "dc1", Rand: rand.New(rand.NewPCG(1, 2))})
	require.NoError(t, err)
	b, err := New(t0, Config{Self: self("b"), Datacenter: "dc1", Rand: rand.New(rand.NewPCG(3, 4))})
	require.NoError(t, err)
	// a learns b's record, so that b is a live member to sample.
	rec, _ := b.Member(b.Self().ID)
	a.applyRecord(t0, rec)

	only := func(c *Core) overlay.Message {
		t.Helper()
		msgs := c.Ready().Messages
		require.Len(t, msgs, 1)
		return msgs[0].Msg
	}
	a.Ready()
	b.Ready()
	a.requestSample(t0)
	warm := only(a)
	require.Equal(t, SampleRequest{Seq: 1, Warmup: true}, warm)
	b.Step(t0, a.Self(), warm)
	reply := only(b)
	assert.Equal(t, CoordinateSample{Seq: 1}, reply, "a warm-up is answered without a coordinate")

	slow := t0.Add(2 * time.Second) // the handshake and the hellos
	a.Step(slow, b.Self(), reply)
	measured := only(a)
	require.Equal(t, SampleRequest{Seq: 2}, measured, "the warm-up's answer starts the measured exchange")
	assert.Equal(t, uint64(0), a.viv.Stats().Updates, "the warm-up is not a sample")
	b.Step(slow, a.Self(), measured)
	a.Step(slow.Add(40*time.Millisecond), b.Self(), only(b))
	assert.Equal(t, uint64(1), a.viv.Stats().Updates)
	assert.Equal(t, 40*time.Millisecond, a.typicalRTT, "the RTT of the second exchange")
	assert.Equal(t, 40*time.Millisecond, measuredRTT(t, &a.rtts, "b").RTT, "and it is kept as measured")
	assert.Nil(t, a.sample, "the sample is done")
}
