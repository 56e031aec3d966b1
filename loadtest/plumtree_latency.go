package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/overlayd/overlayd/loadtest/sim"
	"github.com/overlayd/overlayd/overlay/netem"
	"github.com/overlayd/overlayd/plumtree"
)

// latencyResult is the report of the latency experiment.
type latencyResult struct {
	N       int                      `json:"n"`
	Seed    uint64                   `json:"seed"`
	Hosts   int                      `json:"hosts"`
	Trees   map[string]latencyFigure `json:"trees"`
	Seconds float64                  `json:"seconds"`
}

// latencyFigure is one tree's figures over the broadcasts after warm-up.
type latencyFigure struct {
	RatioMedian float64 `json:"ratio_median"`
	RatioP99    float64 `json:"ratio_p99"`
	LastMedian  float64 `json:"last_delivery_median_ms"`
	BoundMedian float64 `json:"bound_median_ms"`
	RMR         float64 `json:"rmr"`
	Reliability float64 `json:"reliability"`
	Swaps       uint64  `json:"swaps"`
}

// runLatency places nodes on the hosts of an RTT matrix (links carry half
// the RTT) and compares, for every broadcast from a random node, the time
// of its last delivery with the physical bound: the largest one-way latency
// from the source to any live node.
func (p ptParams) runLatency(nSet bool, stdout, stderr io.Writer) error {
	m, err := netem.LoadRTTMatrix(p.matrix, time.Millisecond)
	if err != nil {
		return fmt.Errorf("-latency: %w", err)
	}
	if !nSet {
		p.hv.n = m.Hosts()
	}
	lat := sim.MatrixLatency{M: m, SameHost: sameHostLatency}
	p.hv.latency = lat
	if err := p.validate(); err != nil {
		return err
	}
	began := time.Now()
	base, err := p.hv.build(stderr)
	if err != nil {
		return err
	}
	res := latencyResult{N: p.hv.n, Seed: p.hv.seed, Hosts: m.Hosts(), Trees: map[string]latencyFigure{}}
	for _, tree := range []string{"plain", "latency-optimised"} {
		cfg := plumtree.Config{OptimizationThreshold: -1}
		if tree != "plain" {
			cfg.LatencyOptimization, cfg.LatencyMargin = true, p.margin
		}
		fig, err := p.latencyTree(base, lat, cfg, uint64(len(tree)))
		if err != nil {
			return err
		}
		res.Trees[tree] = fig
		fmt.Fprintf(stderr, "%s tree: ratio median %.2f, p99 %.2f, RMR %.3f (%.1fs)\n", tree, fig.RatioMedian, fig.RatioP99, fig.RMR, time.Since(began).Seconds())
	}
	res.Seconds = time.Since(began).Seconds()
	printLatencyReport(stdout, p, res)
	return endWithJSON(stdout, p.asJSON, res)
}

func (p ptParams) latencyTree(base *hvCluster, lat sim.MatrixLatency, cfg plumtree.Config, label uint64) (latencyFigure, error) {
	c, l, err := p.stack(base, cfg, 4, label)
	if err != nil {
		return latencyFigure{}, err
	}
	rng := rand.New(rand.NewPCG(subSeed(p.hv.seed, 18), 0))
	var fig latencyFigure
	var ratios, lasts, bounds []float64
	timeout := p.interval
	for b := 0; b < p.broadcasts; b++ {
		src := c.randomLive(rng)
		bc := l.broadcast(src, timeout)
		c.net.RunUntil(bc.sentAt.Add(p.interval))
		if b < p.warmup {
			continue
		}
		var bound time.Duration
		for j := range c.nodes {
			if c.up[j] && j != src {
				bound = max(bound, lat.OneWay(src, j, nil))
			}
		}
		last := bc.lastAt.Sub(bc.sentAt)
		ratios = append(ratios, float64(last)/float64(bound))
		lasts = append(lasts, float64(last)/float64(time.Millisecond))
		bounds = append(bounds, float64(bound)/float64(time.Millisecond))
		fig.RMR += bc.rmr()
		fig.Reliability += float64(bc.delivered) / float64(len(c.nodes))
	}
	k := float64(p.broadcasts - p.warmup)
	fig.RMR /= k
	fig.Reliability /= k
	fig.RatioMedian, fig.RatioP99 = quantile(ratios, 0.5), quantile(ratios, 0.99)
	fig.LastMedian, fig.BoundMedian = quantile(lasts, 0.5), quantile(bounds, 0.5)
	for _, n := range l.nodes {
		fig.Swaps += n.Stats().LatencyOptimizations
	}
	return fig, nil
}

// quantile returns the q-quantile of xs (nearest rank), sorting xs.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[int(q*float64(len(xs)-1)+0.5)]
}

func printLatencyReport(w io.Writer, p ptParams, r latencyResult) {
	fmt.Fprintf(w, "Plumtree latency experiment: %d nodes on %d hosts of %s, seed %d, %d broadcasts from random nodes (%d warm-up), %v apart\n\n",
		r.N, r.Hosts, p.matrix, r.Seed, p.broadcasts, p.warmup, p.interval)
	fmt.Fprintf(w, "%-20s %-14s %-10s %-18s %-16s %-8s %-12s %s\n", "tree", "ratio median", "ratio p99", "last delivery p50", "bound p50", "RMR", "reliability", "swaps")
	for _, name := range []string{"plain", "latency-optimised"} {
		f := r.Trees[name]
		fmt.Fprintf(w, "%-20s %-14.2f %-10.2f %-18s %-16s %-8.3f %-12s %d\n", name, f.RatioMedian, f.RatioP99,
			fmt.Sprintf("%.0f ms", f.LastMedian), fmt.Sprintf("%.0f ms", f.BoundMedian), f.RMR, fmt.Sprintf("%.2f%%", 100*f.Reliability), f.Swaps)
	}
	fmt.Fprintf(w, "\nratio: time to the last delivery over the largest one-way latency from the source (RTT/2).\n%.1f s\n", r.Seconds)
}
