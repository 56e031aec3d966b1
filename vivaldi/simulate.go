package vivaldi

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// ErrInvalidMatrix reports an RTT matrix that [Simulate] cannot use.
var ErrInvalidMatrix = errors.New("vivaldi: invalid RTT matrix")

// Simulate embeds the nodes of an RTT matrix with one [Node] each and
// returns their final coordinates. truth[i][j] is the round trip from node
// i to node j in milliseconds; NaN, zero or negative marks a missing
// measurement, which is never sampled.
//
// Each of the rounds visits every node in index order, and node i takes
// samplesPerRound samples: the peer j = choosePeer(i, rng), the round trip
// truth[i][j], and j's coordinate at that moment. A choice out of range,
// equal to i or with a missing entry is skipped, and so is an RTT that
// Update refuses. A nil choosePeer picks j uniformly among the others
// ("ideal random sampling"). cfg configures every node; when cfg.Rand is
// nil the nodes share rng. The run depends only on its arguments.
func Simulate(cfg Config, truth [][]float64, rounds, samplesPerRound int, rng *rand.Rand, choosePeer func(i int, rng *rand.Rand) int) ([]Coordinate, error) {
	n := len(truth)
	for i, row := range truth {
		if len(row) != n {
			return nil, fmt.Errorf("%w: row %d has %d entries, want %d", ErrInvalidMatrix, i, len(row), n)
		}
	}
	if rng == nil {
		return nil, fmt.Errorf("%w: rng is nil", ErrInvalidConfig)
	}
	if cfg.Rand == nil {
		cfg.Rand = rng
	}
	if choosePeer == nil {
		choosePeer = uniformPeer(n)
	}
	nodes := make([]*Node, n)
	ids := make([]overlay.NodeID, n)
	for i := range nodes {
		node, err := New(cfg)
		if err != nil {
			return nil, err
		}
		nodes[i] = node
		ids[i] = overlay.NodeID(strconv.Itoa(i))
	}
	for range rounds {
		for i, node := range nodes {
			for range samplesPerRound {
				j := choosePeer(i, rng)
				if j < 0 || j >= n || j == i || !present(truth[i][j]) {
					continue
				}
				rtt := time.Duration(truth[i][j] * float64(time.Millisecond))
				// Update reads the peer's coordinate without keeping it, so
				// no copy is needed.
				_, _ = node.Update(ids[j], nodes[j].coord, rtt)
			}
		}
	}
	coords := make([]Coordinate, n)
	for i, node := range nodes {
		coords[i] = node.Coordinate()
	}
	return coords, nil
}

// uniformPeer returns a choosePeer that draws a peer other than i
// uniformly among n nodes.
func uniformPeer(n int) func(int, *rand.Rand) int {
	return func(i int, rng *rand.Rand) int {
		if n < 2 {
			return i
		}
		j := rng.IntN(n - 1)
		if j >= i {
			j++
		}
		return j
	}
}

// present reports whether an RTT matrix entry holds a measurement.
func present(ms float64) bool { return ms > 0 && !math.IsInf(ms, 1) }

// Accuracy summarises how well coordinates predict an RTT matrix. The
// relative error of a pair is |estimate − truth| / truth.
type Accuracy struct {
	MedianRelErr float64
	P90RelErr    float64
	// Pairs is the number of node pairs compared.
	Pairs int
}

// Evaluate compares the distance estimated between every pair of coords
// ([Coordinate.DistanceTo], before rounding to a Duration) with truth
// (milliseconds, missing entries as in [Simulate]). Each
// unordered pair counts once, measured by truth[i][j], or truth[j][i] when
// that is missing. Nodes beyond the shorter of coords and truth are
// ignored; with no pair to compare the result is zero.
func Evaluate(coords []Coordinate, truth [][]float64) Accuracy {
	n := min(len(coords), len(truth))
	var errs []float64
	for i := range n {
		for j := i + 1; j < n && j < len(truth[i]); j++ {
			measured := truth[i][j]
			if !present(measured) && i < len(truth[j]) {
				measured = truth[j][i]
			}
			if !present(measured) {
				continue
			}
			errs = append(errs, relativeError(coords[i].estimate(coords[j])*1000, measured))
		}
	}
	if len(errs) == 0 {
		return Accuracy{}
	}
	slices.Sort(errs)
	return Accuracy{
		MedianRelErr: quantile(errs, 0.5),
		P90RelErr:    quantile(errs, 0.9),
		Pairs:        len(errs),
	}
}

// relativeError returns |est − truth| / truth, counting a negative
// estimate as zero and a NaN one, from invalid coordinates, as infinitely
// wrong.
func relativeError(est, truth float64) float64 {
	if math.IsNaN(est) {
		return math.Inf(1)
	}
	return math.Abs(max(est, 0)-truth) / truth
}

// quantile returns the q-quantile of sorted by the nearest-rank method.
func quantile(sorted []float64, q float64) float64 {
	rank := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(rank, 0)]
}
