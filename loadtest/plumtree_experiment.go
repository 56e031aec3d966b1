package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/overlayd/overlayd/plumtree"
)

// ptPaper holds the Plumtree paper's figures for 10,000 nodes on HyParView
// with fan-out 4 (Leitão, Pereira, Rodrigues, "Epidemic Broadcast Trees",
// SRDS 2007, §4): stable RMR and LDH, and reliability right after a massive
// failure with the cycles to heal it (Fig. 6).
var ptPaper = struct {
	rmr, eagerRMR           float64
	ldhSingle, ldhRandomOpt float64
	failureReliability      map[int]float64
	healingLow, healingHigh map[int]int
}{
	rmr: 0, eagerRMR: 3, ldhSingle: 10, ldhRandomOpt: 17,
	failureReliability: map[int]float64{10: 1, 20: 1, 30: 1, 40: 0.99, 50: 0.95, 60: 0.56, 70: 0.15},
	healingLow:         map[int]int{10: 1, 20: 1, 30: 1, 40: 1, 50: 1, 60: 1, 70: 1, 80: 2, 90: 2},
	healingHigh:        map[int]int{10: 1, 20: 1, 30: 1, 40: 1, 50: 1, 60: 1, 70: 1, 80: 3, 90: 4},
}

// ptParams are the Plumtree experiment's knobs.
type ptParams struct {
	hv            hvParams // the overlay underneath
	broadcasts    int
	warmup        int
	churnCycles   int
	churnPerCycle int
	tick          time.Duration
	timeout       time.Duration // how long one broadcast may take to reach everyone in a stable overlay
	settle        time.Duration // the same after failures, when graft timers and repairs must act
	scenarios     map[string]bool
	matrix        string        // the latency experiment's RTT matrix; empty: the other scenarios
	interval      time.Duration // time between the starts of successive broadcasts
	margin        time.Duration // latency experiment: the optimisation's margin
	asJSON        bool
}

// treeFigures are one tree's stable-state figures, averaged over the
// broadcasts after warm-up.
type treeFigures struct {
	RMR         float64 `json:"rmr"`
	LDH         float64 `json:"ldh"`
	Reliability float64 `json:"reliability"`
}

// senderPair holds a figure for one sender and for random senders.
type senderPair struct {
	Single float64 `json:"single"`
	Random float64 `json:"random"`
}

// ptResult is the report of the stable, churn and failure scenarios.
type ptResult struct {
	N                  int                    `json:"n"`
	Seed               uint64                 `json:"seed"`
	RMR                senderPair             `json:"rmr"`
	LDH                senderPair             `json:"ldh"`
	Reliability        senderPair             `json:"reliability"`
	PlainTree          map[string]treeFigures `json:"plain_tree"`
	EagerGossip        treeFigures            `json:"eager_gossip"`
	ChurnPerCycle      int                    `json:"churn_per_cycle"`
	ChurnReliability   float64                `json:"churn_reliability"`
	ChurnMinimum       float64                `json:"churn_min_reliability"`
	ChurnRMR           float64                `json:"churn_rmr"`
	FailureReliability map[string]float64     `json:"failure_reliability"`
	HealingCycles      map[string]*int        `json:"healing_cycles"`
	Seconds            float64                `json:"seconds"`
}

func runPlumtree(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plumtree",
		"Runs Plumtree on a HyParView overlay (active view 5, so fan-out 4) and reproduces §4 of\n"+
			"the SRDS 2007 paper: stable RMR, LDH and reliability for the plain and the hop-optimised\n"+
			"tree, one sender and random senders, beside eager gossip; reliability under churn; and\n"+
			"reliability and healing after massive failures. With -latency FILE it runs the latency\n"+
			"experiment instead: hosts of an RTT matrix, time to the last delivery against the\n"+
			"largest one-way latency from the source, plain against latency-optimised tree.",
		"go run ./loadtest plumtree -n 10000 -json\n         go run ./loadtest plumtree -latency loadtest/data/planetlab490/rtt_ms.tsv", stderr)
	p := ptParams{}
	fs.IntVar(&p.hv.n, "n", 1000, "number of nodes (with -latency: default one per matrix host)")
	fs.Uint64Var(&p.hv.seed, "seed", 1, "random seed; the same seed gives the same output")
	fs.IntVar(&p.hv.cycles, "cycles", 50, "HyParView shuffle cycles before the broadcasts")
	fs.DurationVar(&p.hv.cycle, "cycle", time.Second, "virtual length of one membership cycle")
	fs.IntVar(&p.broadcasts, "broadcasts", 250, "broadcasts in the stable and latency runs")
	fs.IntVar(&p.warmup, "warmup", 50, "first broadcasts left out of the stable and latency figures")
	fs.IntVar(&p.churnCycles, "churn-cycles", 100, "cycles of the churn run")
	fs.IntVar(&p.churnPerCycle, "churn", 0, "nodes failing per churn cycle (default n/200: 50 at 10,000)")
	scenarios := fs.String("scenarios", "stable,churn,failure", "which scenarios to run, comma-separated")
	failures := fs.String("failures", "10,20,30,40,50,60,70,80,90", "massive-failure percentages, comma-separated")
	fs.IntVar(&p.hv.maxHealCycles, "max-heal-cycles", 20, "give up healing after this many cycles")
	links := fs.String("links", "const:5ms", linksHelp+"; the default gives every hop the same delay, as the paper's hop counts assume")
	fs.StringVar(&p.matrix, "latency", "", "run the latency experiment on this all-pairs RTT matrix (ms)")
	fs.DurationVar(&p.interval, "interval", 0, "virtual time between the starts of successive broadcasts, so that each settles\n"+
		"(its duplicates and PRUNEs arrive) before the next, as in the paper (default 250ms; 5s with -latency)")
	fs.DurationVar(&p.margin, "margin", plumtree.DefaultLatencyMargin, "latency experiment: the latency optimisation's margin")
	fs.BoolVar(&p.asJSON, "json", false, "end the report with one JSON line")
	stop, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	defer stop()
	nSet := false
	fs.Visit(func(f *flag.Flag) { nSet = nSet || f.Name == "n" })
	if p.hv.failures, err = parsePercentages(*failures); err != nil {
		return err
	}
	p.tick = p.hv.cycle / 10
	p.timeout = p.hv.cycle
	p.settle = 5 * p.hv.cycle
	if p.scenarios, err = parseScenarios(*scenarios); err != nil {
		return err
	}
	if p.interval == 0 {
		p.interval = 250 * time.Millisecond
		if p.matrix != "" {
			p.interval = 5 * time.Second
		}
	}
	if p.matrix != "" {
		return p.runLatency(nSet, stdout, stderr)
	}
	if p.hv.latency, err = parseLinks(*links); err != nil {
		return err
	}
	if p.churnPerCycle == 0 {
		p.churnPerCycle = max(p.hv.n/200, 1)
	}
	if err := p.validate(); err != nil {
		return err
	}
	res, err := p.run(stderr)
	if err != nil {
		return err
	}
	printPTReport(stdout, p, res)
	return endWithJSON(stdout, p.asJSON, res)
}

func parseScenarios(s string) (map[string]bool, error) {
	set := map[string]bool{}
	for _, name := range strings.Split(s, ",") {
		switch name = strings.TrimSpace(name); name {
		case "stable", "churn", "failure":
			set[name] = true
		default:
			return nil, fmt.Errorf("-scenarios: unknown scenario %q (want stable, churn, failure)", name)
		}
	}
	return set, nil
}

func (p ptParams) validate() error {
	if err := p.hv.validateOverlay(); err != nil {
		return err
	}
	switch {
	case p.broadcasts < 1 || p.warmup < 0 || p.warmup >= p.broadcasts:
		return fmt.Errorf("-broadcasts %d and -warmup %d: need 0 <= warmup < broadcasts", p.broadcasts, p.warmup)
	case p.churnCycles < 0 || p.churnPerCycle < 0:
		return fmt.Errorf("-churn-cycles and -churn must not be negative")
	case p.interval < 0:
		return fmt.Errorf("-interval %v must not be negative", p.interval)
	case p.churnCycles*p.churnPerCycle >= p.hv.n:
		return fmt.Errorf("-churn %d for %d cycles would fail all %d nodes", p.churnPerCycle, p.churnCycles, p.hv.n)
	}
	return nil
}

// ptConfig is the Plumtree configuration: the plain tree, or with the
// paper's hop-count optimisation (threshold 7).
func ptConfig(optimised bool) plumtree.Config {
	if optimised {
		return plumtree.Config{}
	}
	return plumtree.Config{OptimizationThreshold: -1}
}

// stack copies the base overlay onto a fresh network, starts Plumtree on it
// and ticks every node every p.tick from then on.
func (p ptParams) stack(base *hvCluster, cfg plumtree.Config, labels ...uint64) (*hvCluster, *ptLayer, error) {
	c, err := cloneCluster(base, p.hv.netConfig(subSeed(p.hv.seed, append([]uint64{10}, labels...)...), time.Time{}),
		subSeed(p.hv.seed, append([]uint64{11}, labels...)...))
	if err != nil {
		return nil, nil, err
	}
	l := attachPlumtree(c, cfg, subSeed(p.hv.seed, append([]uint64{12}, labels...)...))
	c.startTicking(p.tick, func() bool { return false })
	return c, l, nil
}

func (p ptParams) run(progress io.Writer) (ptResult, error) {
	began := time.Now()
	res := ptResult{N: p.hv.n, Seed: p.hv.seed, PlainTree: map[string]treeFigures{},
		ChurnPerCycle: p.churnPerCycle, FailureReliability: map[string]float64{}, HealingCycles: map[string]*int{}}
	base, err := p.hv.build(progress)
	if err != nil {
		return res, err
	}
	if p.scenarios["stable"] {
		if err := p.stableAll(base, &res, progress, began); err != nil {
			return res, err
		}
	}
	if p.scenarios["churn"] {
		if err := p.churn(base, &res); err != nil {
			return res, err
		}
		fmt.Fprintf(progress, "churn: reliability mean %.4f, min %.4f, RMR %.3f (%.1fs)\n",
			res.ChurnReliability, res.ChurnMinimum, res.ChurnRMR, time.Since(began).Seconds())
	}
	if p.scenarios["failure"] {
		for _, f := range p.hv.failures {
			rel, heal, err := p.massiveFailure(base, f)
			if err != nil {
				return res, err
			}
			key := strconv.Itoa(f)
			res.FailureReliability[key], res.HealingCycles[key] = rel, heal
			fmt.Fprintf(progress, "failure %d%%: reliability %.4f, healing %s (%.1fs)\n", f, rel, cyclesText(heal), time.Since(began).Seconds())
		}
	}
	res.Seconds = time.Since(began).Seconds()
	return res, nil
}

// stableAll runs eager gossip and the four stable combinations of tree and
// senders.
func (p ptParams) stableAll(base *hvCluster, res *ptResult, progress io.Writer, began time.Time) error {
	res.EagerGossip = p.eagerGossip(base)
	for _, optimised := range []bool{false, true} {
		for _, single := range []bool{true, false} {
			fig, err := p.stable(base, optimised, single)
			if err != nil {
				return err
			}
			fmt.Fprintf(progress, "stable, optimised %v, single sender %v: RMR %.3f, LDH %.2f, reliability %.4f (%.1fs)\n",
				optimised, single, fig.RMR, fig.LDH, fig.Reliability, time.Since(began).Seconds())
			switch {
			case !optimised:
				res.PlainTree[senderKey(single)] = fig
			case single:
				res.RMR.Single, res.LDH.Single, res.Reliability.Single = fig.RMR, fig.LDH, fig.Reliability
			default:
				res.RMR.Random, res.LDH.Random, res.Reliability.Random = fig.RMR, fig.LDH, fig.Reliability
			}
		}
	}

	return nil
}

func senderKey(single bool) string {
	if single {
		return "single"
	}
	return "random"
}

// eagerGossip floods p.broadcasts messages from random nodes over the
// stable overlay: the baseline Plumtree's lazy links are there to beat.
func (p ptParams) eagerGossip(base *hvCluster) treeFigures {
	rng := rand.New(rand.NewPCG(subSeed(p.hv.seed, 13), 0))
	fl := newFlood(len(base.nodes))
	var fig treeFigures
	for b := 0; b < p.broadcasts; b++ {
		fl.run(base.adj, base.up, rng.IntN(len(base.nodes)))
		fig.RMR += fl.rmr()
		fig.LDH += float64(fl.lastHop)
		fig.Reliability += float64(fl.reached) / float64(len(base.nodes))
	}
	return fig.scaled(1 / float64(p.broadcasts))
}

func (f treeFigures) scaled(k float64) treeFigures {
	return treeFigures{RMR: f.RMR * k, LDH: f.LDH * k, Reliability: f.Reliability * k}
}

// stable sends p.broadcasts messages, one after another, from node 0 or
// from random nodes, and averages the figures of those after warm-up.
func (p ptParams) stable(base *hvCluster, optimised, single bool) (treeFigures, error) {
	label := uint64(0)
	if optimised {
		label |= 1
	}
	if single {
		label |= 2
	}
	c, l, err := p.stack(base, ptConfig(optimised), 1, label)
	if err != nil {
		return treeFigures{}, err
	}
	rng := rand.New(rand.NewPCG(subSeed(p.hv.seed, 14, label), 0))
	var fig treeFigures
	for b := 0; b < p.broadcasts; b++ {
		origin := 0
		if !single {
			origin = c.randomLive(rng)
		}
		bc := l.broadcast(origin, p.timeout)
		c.net.RunUntil(bc.sentAt.Add(p.interval))
		if b < p.warmup {
			continue
		}
		fig.RMR += bc.rmr()
		fig.LDH += float64(bc.lastHop)
		fig.Reliability += float64(bc.delivered) / float64(len(c.nodes))
	}
	return fig.scaled(1 / float64(p.broadcasts-p.warmup)), nil
}

// formTree sends ten broadcasts from random nodes, p.interval apart, so
// that the eager links form a tree before a scenario starts.
func (p ptParams) formTree(c *hvCluster, l *ptLayer, rng *rand.Rand) {
	for b := 0; b < 10; b++ {
		bc := l.broadcast(c.randomLive(rng), p.timeout)
		c.net.RunUntil(bc.sentAt.Add(p.interval))
	}
}

// churn fails p.churnPerCycle random nodes at the start of every cycle and
// sends one broadcast from a random live node in each cycle.
func (p ptParams) churn(base *hvCluster, res *ptResult) error {
	c, l, err := p.stack(base, ptConfig(true), 2)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(subSeed(p.hv.seed, 15), 0))
	p.formTree(c, l, rng)
	res.ChurnMinimum = 1
	for cycle := 0; cycle < p.churnCycles; cycle++ {
		start := c.net.Now()
		for k := 0; k < p.churnPerCycle; k++ {
			c.crash(c.randomLive(rng))
		}
		bc := l.broadcast(c.randomLive(rng), p.settle)
		rel := float64(bc.delivered) / float64(len(liveNodes(c.up)))
		res.ChurnReliability += rel
		res.ChurnMinimum = min(res.ChurnMinimum, rel)
		res.ChurnRMR += bc.rmr()
		c.net.RunUntil(start.Add(p.hv.cycle))
	}
	if p.churnCycles > 0 {
		res.ChurnReliability /= float64(p.churnCycles)
		res.ChurnRMR /= float64(p.churnCycles)
	}
	return nil
}

// massiveFailure crashes f percent of the nodes of a warmed-up tree at once
// and sends a broadcast at that instant; its reliability is what it reached
// once repairs settled (p.settle). Then it counts cycles, each ending with
// a broadcast, until one reaches every live node.
func (p ptParams) massiveFailure(base *hvCluster, f int) (float64, *int, error) {
	c, l, err := p.stack(base, ptConfig(true), 3, uint64(f))
	if err != nil {
		return 0, nil, err
	}
	rng := rand.New(rand.NewPCG(subSeed(p.hv.seed, 16, uint64(f)), 0))
	p.formTree(c, l, rng)
	c.crashFraction(f, subSeed(p.hv.seed, 17, uint64(f)))
	live := len(liveNodes(c.up))
	first := l.broadcast(c.randomLive(rng), p.settle)
	reliability := float64(first.delivered) / float64(live)
	for cycle := 1; cycle <= p.hv.maxHealCycles; cycle++ {
		c.net.RunUntil(first.sentAt.Add(time.Duration(cycle) * p.hv.cycle))
		if bc := l.broadcast(c.randomLive(rng), p.settle); bc.delivered == live {
			return reliability, &cycle, nil
		}
	}
	return reliability, nil, nil
}

func printPTReport(w io.Writer, p ptParams, r ptResult) {
	fmt.Fprintf(w, "Plumtree on HyParView, %d nodes, seed %d, %d broadcasts (%d warm-up)\n\n", r.N, r.Seed, p.broadcasts, p.warmup)
	fmt.Fprintf(w, "%-34s %-8s %-8s %-12s %s\n", "stable", "RMR", "LDH", "reliability", "paper")
	row := func(name string, f treeFigures, paper string) {
		fmt.Fprintf(w, "%-34s %-8.3f %-8.2f %-12s %s\n", name, f.RMR, f.LDH, fmt.Sprintf("%.2f%%", 100*f.Reliability), paper)
	}
	row("eager gossip (flooding)", r.EagerGossip, fmt.Sprintf("RMR %.0f", ptPaper.eagerRMR))
	row("plain tree, one sender", r.PlainTree["single"], "")
	row("plain tree, random senders", r.PlainTree["random"], "")
	row("optimised tree, one sender", treeFigures{r.RMR.Single, r.LDH.Single, r.Reliability.Single},
		fmt.Sprintf("RMR ≈ %.0f, LDH ≈ %.0f, 100%%", ptPaper.rmr, ptPaper.ldhSingle))
	row("optimised tree, random senders", treeFigures{r.RMR.Random, r.LDH.Random, r.Reliability.Random},
		fmt.Sprintf("RMR ≈ %.0f, LDH ≈ %.0f, 100%%", ptPaper.rmr, ptPaper.ldhRandomOpt))
	fmt.Fprintf(w, "\nchurn: %d nodes fail per cycle for %d cycles: reliability mean %.2f%%, minimum %.2f%%, RMR %.3f (paper: 100%%)\n",
		r.ChurnPerCycle, p.churnCycles, 100*r.ChurnReliability, 100*r.ChurnMinimum, r.ChurnRMR)
	fmt.Fprintf(w, "\n%-8s %-26s %s\n", "failed", "reliability (paper)", "healing cycles (paper)")
	for _, f := range p.hv.failures {
		key := strconv.Itoa(f)
		paperRel, paperHeal := "—", "—"
		if v, ok := ptPaper.failureReliability[f]; ok {
			paperRel = fmt.Sprintf("≈ %.0f%%", 100*v)
		}
		if lo, ok := ptPaper.healingLow[f]; ok {
			paperHeal = strconv.Itoa(lo)
			if hi := ptPaper.healingHigh[f]; hi != lo {
				paperHeal = fmt.Sprintf("%d–%d", lo, hi)
			}
		}
		fmt.Fprintf(w, "%-8s %-26s %s (%s)\n", key+"%", fmt.Sprintf("%.2f%% (%s)", 100*r.FailureReliability[key], paperRel),
			cyclesText(r.HealingCycles[key]), paperHeal)
	}
	fmt.Fprintf(w, "\n%.1f s\n", r.Seconds)
}
