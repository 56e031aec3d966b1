package swim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRTTEstimateFollowsRFC6298(t *testing.T) {
	var e rttEstimate
	const initial, lo, hi = 3 * time.Second, 200 * time.Millisecond, 3 * time.Second
	assert.Equal(t, initial, e.timeout(initial, lo, hi), "never measured: the initial timeout")

	e.observe(100 * time.Millisecond) // RFC 6298 §2.2: SRTT = R, RTTVAR = R/2
	assert.Equal(t, 100*time.Millisecond, e.srtt)
	assert.Equal(t, 50*time.Millisecond, e.rttvar)
	assert.Equal(t, 300*time.Millisecond, e.timeout(initial, lo, hi), "SRTT + 4·RTTVAR")

	e.observe(300 * time.Millisecond) // §2.3: RTTVAR ← ¾·50 + ¼·|100−300|, SRTT ← ⅞·100 + ⅛·300
	assert.Equal(t, 87500*time.Microsecond, e.rttvar)
	assert.Equal(t, 125*time.Millisecond, e.srtt)
	assert.Equal(t, 475*time.Millisecond, e.timeout(initial, lo, hi))
}

func TestRTTEstimateBounds(t *testing.T) {
	var fast, slow rttEstimate
	fast.observe(time.Millisecond)
	slow.observe(5 * time.Second)
	assert.Equal(t, 200*time.Millisecond, fast.timeout(time.Second, 200*time.Millisecond, 3*time.Second), "floored")
	assert.Equal(t, 3*time.Second, slow.timeout(time.Second, 200*time.Millisecond, 3*time.Second), "capped")
}

// measure gives node n one direct ack of peer p after rtt.
func measure(t *testing.T, n *Node, now time.Time, rtt time.Duration) {
	t.Helper()
	ping, target := startProbe(t, n, now)
	n.Step(now.Add(rtt), target, Ack{Seq: ping.Seq})
	n.Ready()
}

// TestMeasuredPeerGetsAdaptiveTimeout checks that a peer measured fast is
// probed with the floor timeout: PingReqs at MinProbeTimeout, the verdict
// as long again.
func TestMeasuredPeerGetsAdaptiveTimeout(t *testing.T) {
	n := newTestNode(t, peers(1, 2), func(c *Config) { c.MaxLocalHealth = 1 })
	measure(t, n, epoch, 10*time.Millisecond)
	measure(t, n, epoch.Add(time.Second), 10*time.Millisecond) // both peers measured

	now := epoch.Add(2 * time.Second)
	startProbe(t, n, now)
	n.Tick(now.Add(DefaultMinProbeTimeout - time.Millisecond))
	reqs, _ := ofType[PingReq](n.Ready())
	assert.Empty(t, reqs)
	n.Tick(now.Add(DefaultMinProbeTimeout))
	reqs, helpers := ofType[PingReq](n.Ready())
	require.Len(t, reqs, 1)
	assert.Equal(t, durationMillis(DefaultMinProbeTimeout), reqs[0].TimeoutMillis)
	n.Step(now.Add(DefaultMinProbeTimeout+time.Millisecond), helpers[0], Nack{Seq: reqs[0].Seq})
	n.Tick(now.Add(2*DefaultMinProbeTimeout - time.Millisecond))
	assert.Empty(t, broadcasts(n.Ready()))
	n.Tick(now.Add(2 * DefaultMinProbeTimeout))
	assert.Len(t, broadcasts(n.Ready()), 1, "suspected at the verdict")
}

// TestLateAckLengthensTimeout checks that an ack after the verdict still
// measures the target: its next probe waits long enough for that lag.
func TestLateAckLengthensTimeout(t *testing.T) {
	n := newTestNode(t, peers(1), func(c *Config) { c.MaxLocalHealth = 1 })
	measure(t, n, epoch, 10*time.Millisecond)
	now := epoch.Add(time.Second)
	ping, target := startProbe(t, n, now)
	verdict := now.Add(2 * DefaultMinProbeTimeout)
	n.Tick(verdict)
	require.Len(t, broadcasts(n.Ready()), 1, "suspected")
	n.Step(now.Add(2*time.Second), target, Ack{Seq: ping.Seq})
	rd := n.Ready()
	assert.Equal(t, uint64(1), n.Stats().LateAcks)
	assert.Empty(t, eventsOf[ProbeRTT](rd), "a slow peer's lag is no network distance")
	assert.Greater(t, n.probeTimeout(target.ID), 2*time.Second, "the next probe waits out the lag")
}
