package netem

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegionsGroupNearbyHosts(t *testing.T) {
	// Two tight groups, {0, 1, 2} and {3, 4}, 100 ms apart.
	m, err := ParseRTTMatrix(strings.NewReader(`
0 2 3 100 101
2 0 2 100 102
3 2 0 103 100
100 100 103 0 4
101 102 100 4 0
`), time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, [][]int{{1, 0, 2}, {3, 4}}, Regions(m, 2), "each region starts with its centre, the member nearest the rest")
	assert.Equal(t, [][]int{{0, 1, 2, 3, 4}}, Regions(m, 0), "k clamps to 1; ties keep host order")
	assert.Len(t, Regions(m, 9), 5, "k clamps to the hosts")
}

func TestRegionsOnPlanetLab(t *testing.T) {
	m, err := PlanetLab490()
	require.NoError(t, err)
	regions := Regions(m, 3)
	require.Len(t, regions, 3)
	seen := map[int]bool{}
	for _, r := range regions {
		for _, h := range r {
			require.False(t, seen[h], "host %d in two regions", h)
			seen[h] = true
		}
	}
	assert.Len(t, seen, 490)
	for i, r := range regions {
		assert.Greater(t, len(r), 50, "region %d is a real group, not an outlier", i)
	}
	// The ten hosts nearest each centre are closer to each other than to
	// the other regions' ten.
	within, across := meanRTT(m, regions[0][:10], regions[0][:10]), meanRTT(m, regions[0][:10], regions[1][:10])
	assert.Less(t, 3*within, across, "within %v, across %v", within, across)
}

func meanRTT(m *RTTMatrix, a, b []int) time.Duration {
	var sum time.Duration
	n := 0
	for _, i := range a {
		for _, j := range b {
			if i != j {
				sum += m.RTTOrMedian(i, j)
				n++
			}
		}
	}
	return sum / time.Duration(n)
}
