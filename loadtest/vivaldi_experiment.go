package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/overlayd/overlayd/loadtest/sim"
	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/overlay/netem"
	"github.com/overlayd/overlayd/vivaldi"
)

// vivParams are the vivaldi experiment's knobs.
type vivParams struct {
	matrix   string
	unit     time.Duration
	seed     uint64
	duration time.Duration
	every    time.Duration
	sets     int
	tune     node.Config // the Cores' sampling and broadcast knobs
	asJSON   bool
}

// vivResult is the report.
type vivResult struct {
	N              int     `json:"n"`
	Seed           uint64  `json:"seed"`
	MedianRelError float64 `json:"median_rel_error"`
	P90RelError    float64 `json:"p90_rel_error"`
	ConvergeS      float64 `json:"converge_s"`
	NearestHitRate float64 `json:"nearest_hit_rate"`
	StretchMedian  float64 `json:"stretch_median"`
	StretchP90     float64 `json:"stretch_p90"`
	// FreshHitRate is the hit rate with every candidate's current
	// coordinate instead of the one its catalog holds: what staleness costs.
	FreshHitRate float64 `json:"nearest_hit_rate_fresh"`
	// RecordsPerS counts the own-record broadcasts over the last half of
	// the run, cluster-wide: what keeping the catalogs fresh costs.
	RecordsPerS   float64   `json:"record_broadcasts_s"`
	ErrorOverTime []float64 `json:"median_rel_error_over_time"`
	Seconds       float64   `json:"seconds"`
}

func runVivaldi(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("vivaldi",
		"Places one full node.Core on every host of an all-pairs RTT matrix and lets the Cores sample\n"+
			"RTTs as the real node does: SWIM probes of the changing active view and a random member's\n"+
			"coordinate every few seconds. Reports the median and p90 relative error of the coordinates\n"+
			"over all pairs, the time to converge (within 10 % of the final median error), and how well\n"+
			"each node picks the nearest of 5 random candidates from its own catalog: hit rate and\n"+
			"stretch (true RTT of the pick over the true RTT of the best). The matrix may be tab- or\n"+
			"space-separated; zeros off the diagonal are missing; an asymmetric one is symmetrised.",
		"go run ./loadtest vivaldi -matrix loadtest/data/planetlab490/rtt_ms.tsv", stderr)
	p := vivParams{}
	fs.StringVar(&p.matrix, "matrix", "", "the all-pairs RTT matrix (required)")
	units := fs.String("units", "ms", "the matrix's unit: ms or s")
	fs.Uint64Var(&p.seed, "seed", 1, "random seed; the same seed gives the same output")
	fs.DurationVar(&p.duration, "duration", 10*time.Minute, "virtual time the Cores run after joining")
	fs.DurationVar(&p.every, "every", 30*time.Second, "how often the error is measured along the way")
	fs.IntVar(&p.sets, "sets", 20, "random sets of 5 candidates per node for the nearest-selection figures")
	fs.DurationVar(&p.tune.SampleInterval, "sample-interval", 0, "override node.DefaultSampleInterval, the random coordinate samples' spacing")
	fs.DurationVar(&p.tune.ProbeSampleInterval, "probe-sample-interval", 0, "override node.DefaultProbeSampleInterval; 1ns feeds every probe to Vivaldi a full step")
	fs.Float64Var(&p.tune.ProbeRepeatWeight, "probe-repeat-weight", 0, "override node.DefaultProbeRepeatWeight, the step weight of the probes in between, in (0, 1]")
	fs.IntVar(&p.tune.SettleSteps, "settle-steps", 0, "override node.DefaultSettleSteps, the full Vivaldi steps a new node takes at the settling sample interval before its one settled broadcast")
	fs.DurationVar(&p.tune.SettleSampleInterval, "settle-sample-interval", 0, "the random samples' spacing while a node settles; 0 keeps the default, a third of the sample interval")
	fs.IntVar(&p.tune.Vivaldi.SmoothingWindow, "smoothing", 0, "override vivaldi.DefaultSmoothingWindow; 1 smooths nothing")
	fs.Float64Var(&p.tune.CoordinateBudget, "coordinate-budget", 0, "override node.DefaultCoordinateBudget, routine coordinate broadcasts per second")
	fs.BoolVar(&p.asJSON, "json", false, "end the report with one JSON line")
	stop, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	defer stop()
	switch *units {
	case "ms":
		p.unit = time.Millisecond
	case "s":
		p.unit = time.Second
	default:
		return fmt.Errorf("-units %q: want ms or s", *units)
	}
	if p.matrix == "" || p.duration <= 0 || p.every <= 0 || p.sets < 1 {
		return fmt.Errorf("need -matrix, a positive -duration and -every, and -sets >= 1")
	}
	res, err := p.run(stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Vivaldi in full Cores on %s: %d nodes, seed %d, %v\n\n", p.matrix, res.N, res.Seed, p.duration)
	fmt.Fprintf(stdout, "relative error over all pairs: median %.3f, p90 %.3f; converged after %.0f s\n",
		res.MedianRelError, res.P90RelError, res.ConvergeS)
	fmt.Fprintf(stdout, "nearest of 5 from each node's catalog: hit rate %.3f, stretch median %.3f, p90 %.3f\n",
		res.NearestHitRate, res.StretchMedian, res.StretchP90)
	fmt.Fprintf(stdout, "with the candidates' current coordinates instead: hit rate %.3f\n", res.FreshHitRate)
	fmt.Fprintf(stdout, "own-record broadcasts over the second half: %.3f/s in all\n\n%.1f s\n", res.RecordsPerS, res.Seconds)
	return endWithJSON(stdout, p.asJSON, res)
}

func (p vivParams) run(progress io.Writer) (vivResult, error) {
	began := time.Now()
	m, err := netem.LoadRTTMatrix(p.matrix, p.unit)
	if err != nil {
		return vivResult{}, fmt.Errorf("-matrix: %w", err)
	}
	n := m.Hosts()
	truth := make([][]float64, n)
	for i := range truth {
		truth[i] = make([]float64, n)
		for j := range truth[i] {
			truth[i][j] = math.NaN()
			if rtt, ok := m.RTT(i, j); ok && i != j {
				truth[i][j] = float64(rtt) / float64(time.Millisecond)
			}
		}
	}
	res := vivResult{N: n, Seed: p.seed}
	cp := convParams{n: n, seed: p.seed, dcs: 1, seeds: 3, joinWindow: 10 * time.Second, limit: 5 * time.Minute,
		latency: sim.MatrixLatency{M: m, SameHost: sameHostLatency}, tune: p.tune}
	c, err := cp.bootstrap()
	if err != nil {
		return res, err
	}
	fmt.Fprintf(progress, "joined (%.1fs)\n", time.Since(began).Seconds())
	var times []float64
	start := c.net.Now()
	var recordsAt time.Time
	var recordsBefore uint64
	for c.net.Now().Sub(start) < p.duration {
		if recordsAt.IsZero() && c.net.Now().Sub(start) >= p.duration/2 {
			recordsAt, recordsBefore = c.net.Now(), c.recordBroadcasts()
		}
		c.net.RunUntil(c.net.Now().Add(p.every))
		acc := vivaldi.Evaluate(c.coordinates(), truth)
		res.ErrorOverTime = append(res.ErrorOverTime, acc.MedianRelErr)
		times = append(times, c.net.Now().Sub(start).Seconds())
		fmt.Fprintf(progress, "%4.0f s: median relative error %.3f (%.1fs)\n", times[len(times)-1], acc.MedianRelErr, time.Since(began).Seconds())
	}
	acc := vivaldi.Evaluate(c.coordinates(), truth)
	res.MedianRelError, res.P90RelError = acc.MedianRelErr, acc.P90RelErr
	for k, e := range res.ErrorOverTime {
		if e <= 1.1*res.MedianRelError {
			res.ConvergeS = times[k]
			break
		}
	}
	if !recordsAt.IsZero() {
		res.RecordsPerS = float64(c.recordBroadcasts()-recordsBefore) / c.net.Now().Sub(recordsAt).Seconds()
	}
	fromCatalog := func(i, j int) (vivaldi.Coordinate, bool) {
		r, ok := c.cores[i].Member(corePeer(j).ID)
		if !ok || r.Coordinate == nil {
			return vivaldi.Coordinate{}, false
		}
		return *r.Coordinate, true
	}
	current := func(_, j int) (vivaldi.Coordinate, bool) { return c.cores[j].Coordinate(), true }
	// The same seed for both, so that they judge the same candidate sets.
	res.NearestHitRate, res.StretchMedian, res.StretchP90 = c.nearestQuality(truth, p.sets, fromCatalog, rand.New(rand.NewPCG(subSeed(p.seed, 40), 0)))
	res.FreshHitRate, _, _ = c.nearestQuality(truth, p.sets, current, rand.New(rand.NewPCG(subSeed(p.seed, 40), 0)))
	res.Seconds = time.Since(began).Seconds()
	return res, nil
}

// coordinates returns every node's own current coordinate.
func (c *coreCluster) coordinates() []vivaldi.Coordinate {
	coords := make([]vivaldi.Coordinate, len(c.cores))
	for i, core := range c.cores {
		coords[i] = core.Coordinate()
	}
	return coords
}

// nearestQuality has every node pick, for sets random sets of 5 other
// nodes, the one nearest by estimate: its own coordinate against the
// candidates' coordinates as coordOf(node, candidate) gives them (as the
// node's catalog holds them is what a nearest query sees). It returns how
// often the pick is the truly nearest, and the median and p90 of the true
// RTT of the pick over the best's.
func (c *coreCluster) nearestQuality(truth [][]float64, sets int, coordOf func(i, j int) (vivaldi.Coordinate, bool), rng *rand.Rand) (hitRate, stretchMedian, stretchP90 float64) {
	var hits, total int
	var stretches []float64
	n := len(c.cores)
	for i, core := range c.cores {
		own := core.Coordinate()
		for range sets {
			var cand []int
			for len(cand) < 5 {
				j := rng.IntN(n)
				if j != i && !math.IsNaN(truth[i][j]) && !containsInt(cand, j) {
					cand = append(cand, j)
				}
			}
			pick, best := -1, cand[0]
			var pickEst time.Duration
			for _, j := range cand {
				if truth[i][j] < truth[i][best] {
					best = j
				}
				coord, ok := coordOf(i, j)
				if !ok {
					continue
				}
				if est := own.DistanceTo(coord); pick < 0 || est < pickEst {
					pick, pickEst = j, est
				}
			}
			if pick < 0 {
				pick = cand[0] // no coordinate known: a blind pick
			}
			total++
			if truth[i][pick] == truth[i][best] {
				hits++
			}
			stretches = append(stretches, truth[i][pick]/truth[i][best])
		}
	}
	return float64(hits) / float64(total), quantile(stretches, 0.5), quantile(stretches, 0.9)
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
