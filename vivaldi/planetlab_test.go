package vivaldi

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// planetLabSeeds is the number of seeded runs averaged per dimensionality
// by TestDimensionalityOnPlanetLab. The table in the Config documentation
// was measured with -planetlab.seeds=4.
var planetLabSeeds = flag.Int("planetlab.seeds", 1, "seeded runs per dimensionality in TestDimensionalityOnPlanetLab")

// planetLabRounds is the number of samples each node takes from a uniformly
// random peer: about 294,000 updates over the 490 nodes.
const planetLabRounds = 600

// planetLabPath is the 490-node all-pairs RTT matrix the loadtest uses.
const planetLabPath = "../loadtest/data/planetlab490/rtt_ms.tsv"

// loadPlanetLab parses the PlanetLab matrix: one row per line, milliseconds
// separated by white space.
func loadPlanetLab(t testing.TB) [][]float64 {
	t.Helper()
	data, err := os.ReadFile(planetLabPath)
	require.NoError(t, err)
	var rows [][]float64
	for line := range strings.Lines(string(data)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		row := make([]float64, len(fields))
		for j, f := range fields {
			row[j], err = strconv.ParseFloat(f, 64)
			require.NoError(t, err)
		}
		rows = append(rows, row)
	}
	require.Len(t, rows, 490)
	for _, row := range rows {
		require.Len(t, row, 490)
	}
	return rows
}

// simulatePlanetLab embeds the PlanetLab matrix with ideal random sampling
// and returns the accuracy of the result.
func simulatePlanetLab(t testing.TB, truth [][]float64, cfg Config, seed uint64) Accuracy {
	t.Helper()
	coords, err := Simulate(cfg, truth, planetLabRounds, 1, rand.New(rand.NewPCG(seed, 7)), nil)
	require.NoError(t, err)
	for _, c := range coords {
		require.NoError(t, c.Validate(cfg.withDefaults().Dimensionality))
	}
	return Evaluate(coords, truth)
}

func TestPlanetLabAccuracy(t *testing.T) {
	truth := loadPlanetLab(t)
	acc := simulatePlanetLab(t, truth, Config{}, 0)
	t.Logf("default configuration: median relative error %.4f, 90th percentile %.4f over %d pairs", acc.MedianRelErr, acc.P90RelErr, acc.Pairs)
	require.Equal(t, 490*489/2, acc.Pairs)
	require.LessOrEqual(t, acc.MedianRelErr, 0.12)
}

// TestDimensionalityOnPlanetLab measures the accuracy of each candidate
// dimensionality (always with a height) and checks that the default is
// still among the best: within 0.005 of the lowest median error.
func TestDimensionalityOnPlanetLab(t *testing.T) {
	truth := loadPlanetLab(t)
	dims := []int{2, 3, 4, 5, 8}
	results := make([]Accuracy, len(dims))
	t.Run("sweep", func(t *testing.T) {
		for k, dim := range dims {
			t.Run(fmt.Sprint(dim), func(t *testing.T) {
				t.Parallel()
				for seed := range uint64(*planetLabSeeds) {
					acc := simulatePlanetLab(t, truth, Config{Dimensionality: dim}, seed)
					results[k].MedianRelErr += acc.MedianRelErr / float64(*planetLabSeeds)
					results[k].P90RelErr += acc.P90RelErr / float64(*planetLabSeeds)
				}
			})
		}
	})

	best := results[0].MedianRelErr
	var def Accuracy
	for k, dim := range dims {
		t.Logf("dimensions %2d: median relative error %.4f, 90th percentile %.4f", dim, results[k].MedianRelErr, results[k].P90RelErr)
		best = min(best, results[k].MedianRelErr)
		if dim == DefaultDimensionality {
			def = results[k]
		}
	}
	require.NotZero(t, def.MedianRelErr, "the default dimensionality must be among those measured")
	require.LessOrEqual(t, def.MedianRelErr, best+0.005)
}
