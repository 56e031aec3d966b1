package node

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/swim"
	"github.com/overlayd/overlayd/vivaldi"
)

const ms = time.Millisecond

func measuredRTT(t *testing.T, c *rttCache, id overlay.NodeID) MeasuredRTT {
	t.Helper()
	m, ok := c.get(id)
	require.True(t, ok, "%s measured", id)
	return m
}

func TestRTTCacheKeepsTheMinimumOfTheLastThree(t *testing.T) {
	c := newRTTCache("self", 10, time.Hour)
	for i, rtt := range []time.Duration{30 * ms, 10 * ms, 20 * ms} {
		c.observe(t0.Add(time.Duration(i)*time.Second), "a", rtt)
	}
	assert.Equal(t, MeasuredRTT{RTT: 10 * ms, At: t0.Add(2 * time.Second)}, measuredRTT(t, &c, "a"), "the minimum, at the latest")
	c.observe(t0.Add(3*time.Second), "a", 25*ms)
	assert.Equal(t, 10*ms, measuredRTT(t, &c, "a").RTT, "10 ms is still among the last three")
	c.observe(t0.Add(4*time.Second), "a", 40*ms)
	assert.Equal(t, 20*ms, measuredRTT(t, &c, "a").RTT, "10 ms has dropped out")

	c.observe(t0, "self", 5*ms)
	c.observe(t0, "b", 0)
	_, ok := c.get("b")
	assert.False(t, ok, "an RTT of zero is no measurement")
	m := c.snapshot()
	assert.Equal(t, 1, m.Len(), "nor is one to itself")
	rtt, ok := m.Lookup("self")
	assert.True(t, ok)
	assert.Zero(t, rtt, "the RTT to itself is zero")
}

func TestRTTCacheForgetsTheStalestPastItsSize(t *testing.T) {
	c := newRTTCache("self", 2, time.Hour)
	c.observe(t0, "a", 10*ms)
	c.observe(t0.Add(time.Second), "b", 10*ms)
	c.observe(t0.Add(2*time.Second), "a", 10*ms) // a is now the fresher
	c.observe(t0.Add(3*time.Second), "c", 10*ms)
	assert.Len(t, c.byID, 2)
	_, ok := c.get("b")
	assert.False(t, ok, "b, measured longest ago, is forgotten")
	measuredRTT(t, &c, "a")
	measuredRTT(t, &c, "c")

	// Equal times: the smallest ID goes, whatever the map's order.
	for range 20 {
		c := newRTTCache("self", 2, time.Hour)
		c.observe(t0, "y", ms)
		c.observe(t0, "x", ms)
		c.observe(t0.Add(time.Second), "z", ms)
		_, ok := c.get("x")
		require.False(t, ok)
	}
}

func TestRTTCacheExpiresEachMeasurement(t *testing.T) {
	c := newRTTCache("self", 10, time.Minute)
	c.observe(t0, "a", 10*ms)
	c.observe(t0.Add(40*time.Second), "a", 30*ms)
	c.observe(t0.Add(10*time.Second), "b", 20*ms)
	before := c.snapshot()
	assert.Same(t, before, c.snapshot(), "the same set until something changes")

	c.expire(t0.Add(59 * time.Second))
	assert.Same(t, before, c.snapshot(), "nothing stale yet")
	c.expire(t0.Add(time.Minute))
	assert.Equal(t, MeasuredRTT{RTT: 30 * ms, At: t0.Add(40 * time.Second)}, measuredRTT(t, &c, "a"), "a's first measurement has gone stale")
	after := c.snapshot()
	assert.NotSame(t, before, after)
	old, _ := before.Get("a")
	assert.Equal(t, 10*ms, old.RTT, "a published set does not change")

	c.expire(t0.Add(70 * time.Second))
	_, ok := c.get("b")
	assert.False(t, ok, "b has no fresh measurement left")
	assert.Equal(t, 1, c.snapshot().Len())
	c.expire(t0.Add(100 * time.Second))
	assert.Zero(t, c.snapshot().Len())
	assert.True(t, c.nextExpiry.IsZero(), "nothing left to expire")
}

func TestMeasuredRTTsNilHoldsNone(t *testing.T) {
	var m *MeasuredRTTs
	_, ok := m.Lookup("a")
	assert.False(t, ok)
	assert.Zero(t, m.Len())
}

// candidateCore is a Core at the origin whose catalog holds web on
// members w1..w5 at 10..50 ms by estimate.
func candidateCore(t *testing.T) *Core {
	c, err := New(t0, Config{Self: overlay.Peer{ID: "self", Addr: "self:7946"}, Datacenter: "dc1", Rand: rand.New(rand.NewPCG(1, 2))})
	require.NoError(t, err)
	for i := 1; i <= 5; i++ {
		coord := vivaldi.Coordinate{Vec: make([]float64, vivaldi.DefaultDimensionality)}
		coord.Vec[0] = float64(i) / 100
		id := overlay.NodeID(fmt.Sprintf("w%d", i))
		c.applyRecord(t0, catalog.Record{
			Member: overlay.Peer{ID: id, Addr: string(id) + ":7946"}, Datacenter: "dc1", Incarnation: 1, Status: catalog.Alive,
			OwnerIncarnation: 1, Version: 1, Coordinate: &coord,
			Services: []catalog.Service{{ID: "web", Name: "web", Health: catalog.Passing}},
		})
	}
	return c
}

func candidate(t *testing.T, c *Core, now time.Time) overlay.NodeID {
	t.Helper()
	p, ok := c.nearestCandidate(now)
	if !ok {
		return ""
	}
	return p.ID
}

func TestNearestCandidatesAreMeasuredInRankOrder(t *testing.T) {
	c := candidateCore(t)
	require.Equal(t, overlay.NodeID("w1"), candidate(t, c, t0), "the nearest by estimate first")
	c.rtts.observe(t0, "w1", 12*ms)
	require.Equal(t, overlay.NodeID("w2"), candidate(t, c, t0))
	// w2 turns out far: w4 enters the first three in its stead.
	c.rtts.observe(t0, "w2", 80*ms)
	require.Equal(t, overlay.NodeID("w3"), candidate(t, c, t0))
	c.rtts.observe(t0, "w3", 33*ms)
	require.Equal(t, overlay.NodeID("w4"), candidate(t, c, t0), "w2 measured far makes room for w4")
	c.rtts.observe(t0, "w4", 41*ms)
	require.Equal(t, overlay.NodeID("w5"), candidate(t, c, t0),
		"w5's 50 ms estimate is within this fresh node's error (1.5) of w4's 41 ms")
	c.rtts.observe(t0, "w5", 90*ms)
	require.Empty(t, candidate(t, c, t0), "the first three, w1, w3 and w4, and w5 are all measured")

	half := DefaultMeasuredRTTMaxAge / 2
	require.Empty(t, candidate(t, c, t0.Add(half-time.Second)))
	require.Equal(t, overlay.NodeID("w1"), candidate(t, c, t0.Add(half)), "refreshed once half as old as trusted")

	res := c.Nearest(catalog.Query{Service: "web", N: 3})
	var got []string
	for _, in := range res.Instances {
		got = append(got, fmt.Sprintf("%s %v %v", in.Member.ID, in.EstimatedRTT, in.RTTMeasured))
	}
	assert.Equal(t, []string{"w1 12ms true", "w3 33ms true", "w4 41ms true"}, got, "queries rank by the measurements")
}

func TestConfirmationCandidatesReachAsFarAsTheEstimateError(t *testing.T) {
	res := catalog.Result{}
	for _, rtt := range []time.Duration{10 * ms, 20 * ms, 30 * ms, 35 * ms, 45 * ms, 46 * ms} {
		res.Instances = append(res.Instances, catalog.Instance{EstimatedRTT: rtt, RTTKnown: true})
	}
	res.Instances = append(res.Instances, catalog.Instance{}) // no coordinate: never a candidate past k
	count := func(k int, fromError float64) int { return len(ConfirmationCandidates(res, k, fromError)) }
	assert.Equal(t, 3, count(3, 0), "no error: the first three")
	assert.Equal(t, 4, count(3, 0.2), "35 ms is within 20 % of 30 ms, 45 ms is not")
	assert.Equal(t, 6, count(3, 0.6), "up to 48 ms")
	assert.Equal(t, 6, count(3, 10), "never the one without a coordinate")
	assert.Equal(t, 7, count(7, 0), "k past the answer: all of it")
}

func TestTargetedSamplesAlternateWithRandomOnes(t *testing.T) {
	c := candidateCore(t)
	var targeted []bool
	for i := range 4 {
		now := t0.Add(time.Duration(i) * time.Second)
		_, ok := c.sampleTarget(now)
		targeted = append(targeted, ok)
	}
	assert.Equal(t, []bool{true, false, true, false}, targeted)
	assert.Equal(t, uint64(2), c.Stats().TargetedSamples)
}

// TestUnansweredCandidateIsBackedOff: a candidate that leaves a targeted
// sample unanswered gives its turns to the next one until a measured
// candidate would be refreshed.
func TestUnansweredCandidateIsBackedOff(t *testing.T) {
	c := candidateCore(t)
	targets := func(from time.Time) []overlay.NodeID {
		var got []overlay.NodeID
		for i := range 4 { // targeted and random samples alternate; none is answered
			c.requestSample(from.Add(time.Duration(i) * sampleTimeout))
			if c.sample.targeted {
				got = append(got, c.sample.peer.ID)
			}
		}
		return got
	}
	assert.Equal(t, []overlay.NodeID{"w1", "w2"}, targets(t0), "w1 did not answer: w2 is measured next")
	assert.Equal(t, []overlay.NodeID{"w3", "w1"}, targets(t0.Add(DefaultMeasuredRTTMaxAge/2)),
		"w2 is still backed off; w1's back-off is over")
}

// TestCoreMeasuresItsProbes: the RTT of a SWIM probe is measured, as the
// coordinate samples' are (TestSampleMeasuresTheExchangeAfterTheWarmUp).
func TestCoreMeasuresItsProbes(t *testing.T) {
	c := candidateCore(t)
	w1, _ := c.Member("w1")
	payload, err := c.Codec().Marshal(CoordinateSample{Coordinate: *w1.Coordinate})
	require.NoError(t, err)
	c.onSWIM(t0, swim.ProbeRTT{Peer: w1.Member, RTT: 14 * ms, Payload: payload})
	r, ok := c.MeasuredRTTs().Get("w1")
	require.True(t, ok)
	assert.Equal(t, MeasuredRTT{RTT: 14 * ms, At: t0}, r)
}

func TestConfigRefusesBadMeasuredRTTBounds(t *testing.T) {
	base := Config{Self: overlay.Peer{ID: "self", Addr: "self:7946"}, Datacenter: "dc1", Rand: rand.New(rand.NewPCG(1, 2))}
	require.NoError(t, base.Validate())
	for name, edit := range map[string]func(*Config){
		"negative MeasuredRTTs":      func(c *Config) { c.MeasuredRTTs = -1 },
		"negative MeasuredRTTMaxAge": func(c *Config) { c.MeasuredRTTMaxAge = -time.Second },
		"negative NearestCandidates": func(c *Config) { c.NearestCandidates = -3 },
	} {
		cfg := base
		edit(&cfg)
		assert.ErrorIs(t, cfg.Validate(), ErrInvalidConfig, name)
	}
}
