package sim

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay/netem"
)

func TestMatrixLatencyFillsMissingEntries(t *testing.T) {
	// Present off-diagonal RTTs: 20, 30, 40 ms; the median is 30 ms.
	m, err := netem.ParseRTTMatrix(strings.NewReader("0 0 20 30\n0 0 0 40\n20 0 0 0\n30 40 0 0\n"), time.Millisecond)
	require.NoError(t, err)

	l := MatrixLatency{M: m}
	assert.Equal(t, 15*time.Millisecond, l.OneWay(0, 1, nil), "missing: half the median")
	assert.Equal(t, 10*time.Millisecond, l.OneWay(0, 2, nil))
	assert.Equal(t, 20*time.Millisecond, l.OneWay(3, 1, nil))
}

func TestMatrixLatencyOnPlanetLab(t *testing.T) {
	m, err := netem.PlanetLab490()
	require.NoError(t, err)
	rtt, ok := m.RTT(0, 1)
	require.True(t, ok)

	l := MatrixLatency{M: m, SameHost: 50 * time.Microsecond}
	require.NoError(t, l.Validate())
	tests := []struct {
		name     string
		from, to int
		want     time.Duration
	}{
		{"hosts 0 and 1", 0, 1, rtt / 2},
		{"symmetric", 1, 0, rtt / 2},
		{"node 490 wraps to host 0", 490, 1, rtt / 2},
		{"both ends wrap", 980, 491, rtt / 2},
		{"same host", 7, 490 + 7, 50 * time.Microsecond},
		{"same node", 3, 3, 50 * time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, l.OneWay(tt.from, tt.to, nil))
		})
	}
	assert.Equal(t, 10, l.Host(500))
}

func TestUniformLatencyStaysInBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	u := Uniform{Min: 3 * time.Millisecond, Max: 9 * time.Millisecond}
	seen := map[bool]int{}
	for range 10000 {
		d := u.OneWay(0, 1, rng)
		require.GreaterOrEqual(t, d, u.Min)
		require.LessOrEqual(t, d, u.Max)
		seen[d < 6*time.Millisecond]++
	}
	assert.InDelta(t, 5000, seen[true], 300, "both halves of the range are drawn")
	assert.Equal(t, 4*time.Millisecond, Uniform{Min: 4 * time.Millisecond, Max: 4 * time.Millisecond}.OneWay(0, 1, rng))
}
