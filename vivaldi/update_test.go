package vivaldi

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

// TestVivaldiStep checks one update against the formulas of Dabek et al.,
// worked by hand: weight w = e_self/(e_self+e_other), error
// ce·w·|est−rtt|/rtt + (1−ce·w)·e_self, force cc·w·(rtt−est) split
// between vector and height in proportion to ‖Δvec‖ and the heights.
// ce = cc = 0.25; all distances in seconds.
func TestVivaldiStep(t *testing.T) {
	hmin := DefaultHeightMin.Seconds()
	tests := []struct {
		name       string
		self       Coordinate
		other      Coordinate
		rtt        float64
		wantVec    []float64
		wantHeight float64
		wantError  float64
	}{
		{
			name: "estimate too short pushes away",
			self: Coordinate{Vec: []float64{10 * ms, 0}, Error: 0.5}, other: Coordinate{Vec: []float64{0, 0}, Error: 0.5},
			rtt: 30 * ms,
			// w = 0.5, force = 0.25·0.5·20 ms = 2.5 ms, all along the vector.
			wantVec: []float64{12.5 * ms, 0}, wantHeight: hmin,
			// 0.125·(20/30) + 0.875·0.5
			wantError: 0.125*2.0/3 + 0.4375,
		},
		{
			name: "estimate too long pulls closer",
			self: Coordinate{Vec: []float64{0, 30 * ms}, Error: 0.5}, other: Coordinate{Vec: []float64{0, 0}, Error: 0.5},
			rtt:     10 * ms,
			wantVec: []float64{0, 27.5 * ms}, wantHeight: hmin,
			wantError: 0.125*2 + 0.4375,
		},
		{
			name: "a confident node moves little",
			self: Coordinate{Vec: []float64{10 * ms, 0}, Error: 0.1}, other: Coordinate{Vec: []float64{0, 0}, Error: 0.9},
			rtt: 30 * ms,
			// w = 0.1, force = 0.25·0.1·20 ms = 0.5 ms.
			wantVec: []float64{10.5 * ms, 0}, wantHeight: hmin,
			wantError: 0.025*2.0/3 + 0.975*0.1,
		},
		{
			name: "a perfect estimate moves nothing and lowers the error",
			self: Coordinate{Vec: []float64{3 * ms, 4 * ms}, Error: 1}, other: Coordinate{Vec: []float64{0, 0}, Error: 1},
			rtt:     5 * ms,
			wantVec: []float64{3 * ms, 4 * ms}, wantHeight: hmin,
			wantError: 0.875,
		},
		{
			name: "the height takes its share of the step",
			self: Coordinate{Vec: []float64{10 * ms, 0}, Height: 10 * ms, Error: 0.5}, other: Coordinate{Vec: []float64{0, 0}, Height: 10 * ms, Error: 0.5},
			rtt: 60 * ms,
			// est = 30 ms, force = 0.125·30 ms = 3.75 ms over a span of
			// 10 ms of vector and 20 ms of heights.
			wantVec: []float64{11.25 * ms, 0}, wantHeight: 12.5 * ms,
			wantError: 0.125*0.5 + 0.4375,
		},
		{
			name: "the height never drops below the minimum",
			self: Coordinate{Vec: []float64{10 * ms, 0}, Height: 10 * ms, Error: 1.5}, other: Coordinate{Vec: []float64{0, 0}, Height: 10 * ms},
			rtt: 1 * ms,
			// w = 1, force = 0.25·(1−30) ms = −7.25 ms; the height share
			// (−4.83 ms) is clipped to HeightMin from 10 ms.
			wantVec: []float64{10*ms - 7.25*ms/3, 0}, wantHeight: 10*ms - 7.25*ms*2/3,
			wantError: 1.5,
		},
		{
			name: "the error never exceeds the maximum",
			self: Coordinate{Vec: []float64{0, 0}, Error: 1.5}, other: Coordinate{Vec: []float64{100 * ms, 0}},
			rtt: 1 * ms,
			// w = 1, est 100 ms: wrongness 99, error capped; the node moves
			// a quarter of the 99 ms toward other.
			wantVec: []float64{24.75 * ms, 0}, wantHeight: hmin,
			wantError: 1.5,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, 2)
			n.coord = tc.self.clone()
			n.vivaldiStep(tc.other, tc.rtt, 1)
			assert.InDeltaSlice(t, tc.wantVec, n.coord.Vec, 1e-12)
			assert.InDelta(t, math.Max(tc.wantHeight, hmin), n.coord.Height, 1e-12)
			assert.InDelta(t, tc.wantError, n.coord.Error, 1e-12)
		})
	}
}

func TestCoincidentCoordinatesSeparateInARandomDirection(t *testing.T) {
	for seed := range uint64(20) {
		n := newTestNode(t, 3, func(c *Config) { c.Rand = rand.New(rand.NewPCG(seed, 0)) })
		n.coord.Error = 1
		other := Coordinate{Vec: []float64{0, 0, 0}, Error: 1, Height: n.coord.Height}
		before := n.coord.Height
		// est = 2·HeightMin, so the force is cc·0.5·(10 ms − 20 µs).
		n.vivaldiStep(other, 10*ms, 1)
		require.InDelta(t, 0.125*(10*ms-2*before), norm(n.coord.Vec), 1e-12)
		require.Equal(t, before, n.coord.Height)
	}
}

func TestUpdateRunsThePipeline(t *testing.T) {
	// One update of a 2-D node: the median of one sample is the sample, the
	// step follows TestVivaldiStep, the adjustment is half the residual
	// left, and gravity shortens the vector by (‖v‖/ρ)².
	n := newTestNode(t, 2)
	n.coord.Vec = []float64{10 * ms, 0}
	n.coord.Error = 0.5
	other := Coordinate{Vec: []float64{0, 0}, Error: 0.5}
	hmin := DefaultHeightMin.Seconds()
	rho := DefaultGravityRho.Seconds()

	got, err := n.Update("peer", other, 30*time.Millisecond)
	require.NoError(t, err)

	est := 10*ms + hmin
	force := 0.25 * 0.5 * (30*ms - est)
	moved := 10*ms + force*10*ms/est
	height := hmin + force*hmin/est
	assert.InDelta(t, moved-(moved/rho)*(moved/rho), got.Vec[0], 1e-15)
	assert.Zero(t, got.Vec[1])
	assert.InDelta(t, height, got.Height, 1e-15)
	assert.InDelta(t, (30*ms-(moved+height))/2, got.Adjustment, 1e-15)
	assert.Equal(t, Stats{TrackedPeers: 1, Updates: 1}, n.Stats())
	assert.Equal(t, got, n.Coordinate())
}

func TestLatencyFilterMedian(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		samples []float64
		want    []float64 // the median after each sample
	}{
		{"one sample", 3, []float64{20}, []float64{20}},
		{"two samples take the lower", 3, []float64{20, 500}, []float64{20, 20}},
		{"a spike is ignored", 3, []float64{20, 21, 500, 22}, []float64{20, 20, 21, 22}},
		{"old samples fall out", 3, []float64{10, 10, 10, 50, 50}, []float64{10, 10, 10, 10, 50}},
		{"a lasting shift is followed", 3, []float64{20, 20, 80, 80, 80}, []float64{20, 20, 20, 80, 80}},
		{"even window", 4, []float64{40, 10, 30, 20, 50}, []float64{40, 10, 30, 20, 20}},
		{"size one is no filter", 1, []float64{20, 500, 30}, []float64{20, 500, 30}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newLatencyFilter(tc.size, 10)
			for i, s := range tc.samples {
				got, evicted := f.add("p", s)
				require.False(t, evicted)
				require.Equal(t, tc.want[i], got, "after sample %d", i)
			}
		})
	}
}

func TestLatencyFilterIsPerPeer(t *testing.T) {
	f := newLatencyFilter(3, 10)
	f.add("a", 10)
	f.add("a", 10)
	got, _ := f.add("b", 90)
	require.Equal(t, 90.0, got)
	got, _ = f.add("a", 90)
	require.Equal(t, 10.0, got)
}

func TestLatencyFilterEvictsTheLeastRecentlyUpdatedPeer(t *testing.T) {
	n := newTestNode(t, 2, func(c *Config) { c.MaxPeers = 2 })
	origin := n.Coordinate()
	update := func(peer overlay.NodeID, rtt time.Duration) {
		t.Helper()
		_, err := n.Update(peer, origin, rtt)
		require.NoError(t, err)
	}
	update("a", 10*time.Millisecond)
	update("b", 10*time.Millisecond)
	update("a", 10*time.Millisecond) // a is now the most recent
	update("c", 10*time.Millisecond) // evicts b
	require.Equal(t, Stats{TrackedPeers: 2, Updates: 4, PeersEvicted: 1}, n.Stats())
	require.Contains(t, n.filter.peers, overlay.NodeID("a"))
	require.Contains(t, n.filter.peers, overlay.NodeID("c"))
	require.NotContains(t, n.filter.peers, overlay.NodeID("b"))
	require.Equal(t, 2, n.filter.recency.Len())
}

func TestForgetPeerDropsItsHistory(t *testing.T) {
	f := newLatencyFilter(3, 10)
	f.add("a", 10)
	f.add("a", 10)
	f.forget("a")
	f.forget("never seen")
	require.Zero(t, f.len())
	got, _ := f.add("a", 70)
	require.Equal(t, 70.0, got)

	n := newTestNode(t, 2)
	_, err := n.Update("a", n.Coordinate(), time.Millisecond)
	require.NoError(t, err)
	n.ForgetPeer("a")
	require.Zero(t, n.Stats().TrackedPeers)
}

func TestAdjustmentWindow(t *testing.T) {
	tests := []struct {
		name      string
		size      int
		residuals []float64
		want      []float64 // the adjustment after each residual
	}{
		{"half the mean while filling", 4, []float64{4, 8, -6}, []float64{2, 3, 1}},
		{"the oldest is overwritten", 2, []float64{4, 8, 2, 2}, []float64{2, 3, 2.5, 1}},
		{"size one follows the last residual", 1, []float64{4, -8}, []float64{2, -4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newAdjustmentWindow(tc.size)
			for i, r := range tc.residuals {
				require.Equal(t, tc.want[i], w.add(r), "after residual %d", i)
			}
			w.clear()
			require.Equal(t, 5.0, w.add(10))
		})
	}
}

func TestGravityPullsTowardTheOrigin(t *testing.T) {
	tests := []struct {
		name string
		rho  time.Duration
		vec  []float64
		want []float64
	}{
		{"the origin stays", time.Second, []float64{0, 0}, []float64{0, 0}},
		{"(r/ρ)² along the ray", time.Second, []float64{0.3, 0.4}, []float64{0.3 * (1 - 0.25/0.5), 0.4 * (1 - 0.25/0.5)}},
		{"default ρ barely pulls", DefaultGravityRho, []float64{0.15, 0}, []float64{0.15 - 1e-6, 0}},
		{"never past the origin", time.Second, []float64{0, -3}, []float64{0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, 2, func(c *Config) { c.GravityRho = tc.rho })
			n.coord.Vec = tc.vec
			n.applyGravity()
			assert.InDeltaSlice(t, tc.want, n.coord.Vec, 1e-15)
		})
	}
}

func TestGravityCountersDrift(t *testing.T) {
	// Four nodes whose every sample agrees with their layout, shifted far
	// from the origin: only gravity moves the group, and it moves it home.
	nodes := make([]*Node, 4)
	for i := range nodes {
		nodes[i] = newTestNode(t, 2, func(c *Config) { c.GravityRho = 10 * time.Second })
		nodes[i].coord.Vec = []float64{2 + 0.1*float64(i%2), 2 + 0.1*float64(i/2)}
		nodes[i].coord.Error = 0.2
	}
	centroid := func() float64 {
		var c [2]float64
		for _, n := range nodes {
			c[0] += n.coord.Vec[0] / 4
			c[1] += n.coord.Vec[1] / 4
		}
		return math.Hypot(c[0], c[1])
	}
	before := centroid()
	for range 200 {
		for i, n := range nodes {
			for j, m := range nodes {
				if i != j {
					rtt := euclidean([]float64{0.1 * float64(i%2), 0.1 * float64(i/2)}, []float64{0.1 * float64(j%2), 0.1 * float64(j/2)})
					_, err := n.Update(overlay.NodeID(rune('a'+j)), m.coord, time.Duration(rtt*float64(time.Second)))
					require.NoError(t, err)
				}
			}
		}
	}
	require.Less(t, centroid(), 0.8*before)
}

func TestHeightStaysAtLeastHeightMin(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := newTestNode(t, 3, func(c *Config) { c.HeightMin = time.Millisecond })
	for i := range 5000 {
		other := randomCoordinate(rng, 3)
		rtt := time.Duration(1 + rng.Int64N(int64(500*time.Millisecond)))
		c, err := n.Update(overlay.NodeID(rune('a'+i%20)), other, rtt)
		require.NoError(t, err)
		require.GreaterOrEqual(t, c.Height, time.Millisecond.Seconds())
		require.NoError(t, c.Validate(3))
	}
	require.Zero(t, n.Stats().Resets)
}

func TestUpdateRejectsInvalidInput(t *testing.T) {
	valid := Coordinate{Vec: []float64{0.01, 0.02}, Error: 0.5, Height: 0.001}
	with := func(mutate func(*Coordinate)) Coordinate {
		c := valid.clone()
		mutate(&c)
		return c
	}
	tests := []struct {
		name    string
		peer    overlay.NodeID
		other   Coordinate
		rtt     time.Duration
		wantErr error
	}{
		{"empty peer", "", valid, time.Millisecond, overlay.ErrInvalidPeer},
		{"overlong peer", overlay.NodeID(make([]byte, overlay.MaxNodeIDLen+1)), valid, time.Millisecond, overlay.ErrInvalidPeer},
		{"wrong dimensionality", "p", with(func(c *Coordinate) { c.Vec = append(c.Vec, 0) }), time.Millisecond, ErrInvalidCoordinate},
		{"NaN component", "p", with(func(c *Coordinate) { c.Vec[0] = math.NaN() }), time.Millisecond, ErrInvalidCoordinate},
		{"infinite height", "p", with(func(c *Coordinate) { c.Height = math.Inf(1) }), time.Millisecond, ErrInvalidCoordinate},
		{"negative height", "p", with(func(c *Coordinate) { c.Height = -0.001 }), time.Millisecond, ErrInvalidCoordinate},
		{"negative error", "p", with(func(c *Coordinate) { c.Error = -1 }), time.Millisecond, ErrInvalidCoordinate},
		{"NaN adjustment", "p", with(func(c *Coordinate) { c.Adjustment = math.NaN() }), time.Millisecond, ErrInvalidCoordinate},
		{"zero RTT", "p", valid, 0, ErrInvalidRTT},
		{"negative RTT", "p", valid, -time.Millisecond, ErrInvalidRTT},
		{"RTT above the maximum", "p", valid, MaxRTT + 1, ErrInvalidRTT},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, 2)
			before := n.Coordinate()
			got, err := n.Update(tc.peer, tc.other, tc.rtt)
			require.ErrorIs(t, err, tc.wantErr)
			require.Equal(t, before, got)
			require.Equal(t, before, n.Coordinate())
			require.Equal(t, Stats{Rejected: 1}, n.Stats())
		})
	}

	n := newTestNode(t, 2)
	_, err := n.Update("p", valid, MaxRTT)
	require.NoError(t, err, "MaxRTT itself is accepted")
}

func TestUpdateResetsAnInvalidCoordinate(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(*Node)
		other   Coordinate
	}{
		{
			name:    "state already corrupt",
			corrupt: func(n *Node) { n.coord.Vec[0] = math.NaN() },
			other:   Coordinate{Vec: []float64{0.01, 0}, Error: 0.5},
		},
		{
			// A valid but absurdly distant peer leaves a residual of
			// millions of seconds; with a window of one, half of it is
			// more than a coordinate may hold.
			name:    "pushed out of bounds",
			corrupt: func(*Node) {},
			other:   Coordinate{Vec: []float64{maxMagnitude, maxMagnitude}, Height: maxMagnitude},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, 2, func(c *Config) { c.AdjustmentWindowSize = 1 })
			origin := n.Coordinate()
			_, err := n.Update("p", n.Coordinate(), 20*time.Millisecond)
			require.NoError(t, err)
			tc.corrupt(n)

			got, err := n.Update("q", tc.other, 20*time.Millisecond)
			require.NoError(t, err)
			require.Equal(t, origin, got)
			require.Equal(t, Stats{TrackedPeers: 2, Updates: 2, Resets: 1}, n.Stats())
			require.Empty(t, n.adjust.residuals)
		})
	}
}

func TestCoordinateReturnsACopy(t *testing.T) {
	n := newTestNode(t, 2)
	c := n.Coordinate()
	c.Vec[0] = 42
	got, err := n.Update("p", Coordinate{Vec: []float64{0.01, 0}, Error: 1}, 5*time.Millisecond)
	require.NoError(t, err)
	got.Vec[1] = 42
	require.NotEqual(t, 42.0, n.Coordinate().Vec[0])
	require.NotEqual(t, 42.0, n.Coordinate().Vec[1])
}

func TestNodeDistanceTo(t *testing.T) {
	n := newTestNode(t, 2)
	n.coord = Coordinate{Vec: []float64{3 * ms, 0}, Height: 1 * ms, Adjustment: 0.5 * ms}
	other := Coordinate{Vec: []float64{0, 4 * ms}, Height: 1 * ms, Adjustment: 0.5 * ms}
	require.Equal(t, 8*time.Millisecond, n.DistanceTo(other))
	require.Equal(t, other.DistanceTo(n.Coordinate()), n.DistanceTo(other))
}

// TestUpdateWeightedScalesTheStep: a weight of w moves the coordinate and
// its error estimate by w times what a full update would, and a weight
// outside (0, 1] is refused without changing the node.
func TestUpdateWeightedScalesTheStep(t *testing.T) {
	other := Coordinate{Vec: []float64{0.1, 0}, Error: 0.2, Height: 1e-5}
	full, quarter := newTestNode(t, 2), newTestNode(t, 2)
	for _, n := range []*Node{full, quarter} {
		n.coord.Vec = []float64{0.02, 0}
	}
	start := full.Coordinate()
	_, err := full.Update("p", other, 50*time.Millisecond)
	require.NoError(t, err)
	_, err = quarter.UpdateWeighted("p", other, 50*time.Millisecond, 0.25)
	require.NoError(t, err)
	fullMove, quarterMove := full.coord.Vec[0]-start.Vec[0], quarter.coord.Vec[0]-start.Vec[0]
	assert.NotZero(t, fullMove)
	assert.Less(t, math.Abs(quarterMove), math.Abs(fullMove)/2, "a quarter-weight step moves less than half as far")
	assert.Less(t, start.Error-quarter.coord.Error, start.Error-full.coord.Error, "and lowers the error estimate less")

	before := quarter.Coordinate()
	for _, w := range []float64{0, -1, 1.5, math.NaN()} {
		_, err := quarter.UpdateWeighted("p", other, 50*time.Millisecond, w)
		require.ErrorIs(t, err, ErrInvalidRTT, "weight %v", w)
	}
	assert.Equal(t, before, quarter.Coordinate(), "a refused weight changes nothing")
}
