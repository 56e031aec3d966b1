package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/overlayd/overlayd/hyparview"
	"github.com/overlayd/overlayd/loadtest/sim"
)

// hvPaper holds the HyParView paper's figures for 10,000 nodes (Leitão,
// Pereira, Rodrigues, DSN 2007): reliability after failures (Fig. 2),
// healing time in membership cycles (Fig. 4) and graph properties (Table 1).
var hvPaper = struct {
	reliability map[int]float64
	healing     map[int]int
	clustering  float64
	avgPath     float64
	maxHops     float64
}{
	reliability: map[int]float64{10: 1, 20: 1, 30: 1, 40: 1, 50: 1, 60: 1, 70: 1, 80: 1, 90: 0.995, 95: 0.91},
	healing:     map[int]int{10: 1, 20: 1, 30: 1, 40: 1, 50: 1, 60: 1, 70: 2, 80: 2, 90: 4},
	clustering:  0.00092,
	avgPath:     6.39,
	maxHops:     9.0,
}

// hvParams are the experiment's knobs.
type hvParams struct {
	n              int
	seed           uint64
	cycles         int           // shuffle cycles after the joins
	cycle          time.Duration // one membership cycle (the shuffle interval)
	broadcasts     int           // broadcasts after each failure, for reliability
	healBroadcasts int           // broadcasts per cycle while healing
	maxHealCycles  int
	failures       []int // percentages
	pathSources    int
	latency        sim.Latency
	detect         time.Duration // crash detection through the connection; negative: never
	asJSON         bool
}

// hvResult is the experiment's report; its JSON form is the -json line.
type hvResult struct {
	N               int                `json:"n"`
	Seed            uint64             `json:"seed"`
	Detect          string             `json:"detect"`
	Reliability     map[string]float64 `json:"reliability"`
	HealingCycles   map[string]*int    `json:"healing_cycles"`
	Clustering      float64            `json:"clustering"`
	AvgShortestPath float64            `json:"avg_shortest_path"`
	MaxHops         float64            `json:"max_hops"`
	MaxHopsMax      int                `json:"max_hops_max"`
	InDegreeP1      int                `json:"indegree_p1"`
	InDegreeP50     int                `json:"indegree_p50"`
	InDegreeP99     int                `json:"indegree_p99"`
	InDegreeHist    map[int]int        `json:"indegree_histogram"`
	PathSources     int                `json:"path_sources"`
	FirstBroadcast  map[string]float64 `json:"first_broadcast_reliability"`
	Seconds         float64            `json:"seconds"`
}

func runHyParView(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("hyparview",
		"Builds a HyParView overlay by joining nodes one at a time through random contacts, runs\n"+
			"shuffle cycles, then crashes a fraction of the nodes and floods broadcasts over the active\n"+
			"views (sends to crashed nodes fail at once, as over TCP, and trigger repair). Reports\n"+
			"reliability, healing cycles and graph properties beside the DSN 2007 paper's figures.",
		"go run ./loadtest hyparview -n 10000 -json", stderr)
	p := hvParams{}
	fs.IntVar(&p.n, "n", 1000, "number of nodes")
	fs.Uint64Var(&p.seed, "seed", 1, "random seed; the same seed gives the same output")
	fs.IntVar(&p.cycles, "cycles", 50, "shuffle cycles after the joins")
	fs.DurationVar(&p.cycle, "cycle", time.Second, "virtual length of one membership cycle (the shuffle interval)")
	fs.IntVar(&p.broadcasts, "broadcasts", 1000, "broadcasts after each failure, averaged for reliability")
	fs.IntVar(&p.healBroadcasts, "heal-broadcasts", 10, "broadcasts per cycle while measuring healing")
	fs.IntVar(&p.maxHealCycles, "max-heal-cycles", 20, "give up healing after this many cycles")
	failures := fs.String("failures", "10,20,30,40,50,60,70,80,90,95", "failure percentages, comma-separated")
	fs.IntVar(&p.pathSources, "path-sources", 1000, "BFS sources sampled for the shortest-path figures")
	links := fs.String("links", "uniform:1ms,10ms", linksHelp)
	detect := fs.String("detect", "0s", "how long after a crash its peers' connections to it break: a duration\n"+
		"(0s: at once, as the kernel resets the sockets of a crashed process) or \"never\"\n"+
		"(a crash is learnt only when a send to it fails)")
	fs.BoolVar(&p.asJSON, "json", false, "end the report with one JSON line")
	stop, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	defer stop()
	if p.failures, err = parsePercentages(*failures); err != nil {
		return err
	}
	if p.latency, err = parseLinks(*links); err != nil {
		return err
	}
	if p.detect, err = parseDetect(*detect); err != nil {
		return err
	}
	if err := p.validate(); err != nil {
		return err
	}
	res, err := p.run(stderr)
	if err != nil {
		return err
	}
	printHVReport(stdout, p, res)
	return endWithJSON(stdout, p.asJSON, res)
}

// validateOverlay checks the knobs that build the overlay, which the
// Plumtree experiments share.
func (p hvParams) validateOverlay() error {
	switch {
	case p.n < 2:
		return fmt.Errorf("-n %d: need at least 2 nodes", p.n)
	case p.cycles < 0 || p.maxHealCycles < 1:
		return fmt.Errorf("-cycles must not be negative and -max-heal-cycles must be positive")
	case p.cycle <= 0:
		return fmt.Errorf("-cycle %v must be positive", p.cycle)
	}
	return nil
}

func (p hvParams) validate() error {
	if err := p.validateOverlay(); err != nil {
		return err
	}
	if p.broadcasts < 1 || p.healBroadcasts < 1 || p.pathSources < 1 {
		return fmt.Errorf("-broadcasts, -heal-broadcasts and -path-sources must be positive")
	}
	return nil
}

func parseDetect(s string) (time.Duration, error) {
	if s == "never" {
		return -1, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("-detect %q: want a non-negative duration or \"never\"", s)
	}
	return d, nil
}

func parsePercentages(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 || v >= 100 {
			return nil, fmt.Errorf("-failures: %q is not a percentage between 1 and 99", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// hvConfig is the protocol configuration of every node: the paper's view
// sizes and walk lengths, with one shuffle per cycle.
func (p hvParams) hvConfig() hyparview.Config {
	return hyparview.Config{ShuffleInterval: p.cycle}
}

// netConfig is the TCP model of the paper: a send to a crashed node fails at
// once, and the connections to it break after p.detect.
func (p hvParams) netConfig(seed uint64, start time.Time) sim.Config {
	return sim.Config{Seed: seed, Latency: p.latency, SendFailureDelay: 0, CrashDetection: p.detect, Start: start}
}

// maxEvents bounds one quiescence phase, so that a livelock in the protocol
// ends the run with an error instead of spinning for ever.
const maxEvents = 200_000_000

func (p hvParams) run(progress io.Writer) (hvResult, error) {
	began := time.Now()
	res := hvResult{N: p.n, Seed: p.seed, Detect: detectText(p.detect), Reliability: map[string]float64{}, HealingCycles: map[string]*int{},
		FirstBroadcast: map[string]float64{}}

	base, err := p.build(progress)
	if err != nil {
		return res, err
	}
	st := measureGraph(base.adj, base.up, p.pathSources, rand.New(rand.NewPCG(subSeed(p.seed, 2), 0)))
	res.Clustering, res.AvgShortestPath = st.Clustering, st.AvgShortestPath
	res.MaxHops, res.MaxHopsMax = st.MaxHopsMean, st.MaxHopsMax
	res.InDegreeP1, res.InDegreeP50, res.InDegreeP99 = st.InDegreeP1, st.InDegreeP50, st.InDegreeP99
	res.InDegreeHist, res.PathSources = st.InDegreeHistogram, st.Sources
	fmt.Fprintf(progress, "graph: clustering %.5f, avg shortest path %.2f, max hops %.2f (%.1fs)\n",
		st.Clustering, st.AvgShortestPath, st.MaxHopsMean, time.Since(began).Seconds())

	for _, f := range p.failures {
		key := strconv.Itoa(f)
		rel, first, err := p.reliability(base, f)
		if err != nil {
			return res, err
		}
		res.Reliability[key], res.FirstBroadcast[key] = rel, first
		heal, err := p.healing(base, f)
		if err != nil {
			return res, err
		}
		res.HealingCycles[key] = heal
		fmt.Fprintf(progress, "failure %d%%: reliability %.4f, healing %s (%.1fs)\n", f, rel, cyclesText(heal), time.Since(began).Seconds())
	}
	res.Seconds = time.Since(began).Seconds()
	return res, nil
}

// build joins the nodes one at a time through random contacts, each join
// running to quiescence, then runs the shuffle cycles.
func (p hvParams) build(progress io.Writer) (*hvCluster, error) {
	net, err := sim.New(p.netConfig(subSeed(p.seed, 1), time.Time{}))
	if err != nil {
		return nil, err
	}
	c := newHVCluster(net, nil)
	rng := rand.New(rand.NewPCG(subSeed(p.seed, 1, 1), 0))
	for i := 0; i < p.n; i++ {
		n := newHVNode(i, subSeed(p.seed, 1, 2), p.hvConfig())
		c.add(n)
		if i > 0 {
			n.Join(hvPeer(rng.IntN(i)))
			c.flush(i)
			if _, idle := net.RunUntilIdle(maxEvents); !idle {
				return nil, fmt.Errorf("join of node %d did not quiesce", i)
			}
		}
		if (i+1)%max(p.n/10, 1) == 0 {
			fmt.Fprintf(progress, "joined %d/%d\n", i+1, p.n)
		}
	}
	end := net.Now().Add(time.Duration(p.cycles) * p.cycle)
	c.startTicking(p.cycle/10, func() bool { return !net.Now().Before(end) })
	net.RunUntil(end)
	if _, idle := net.RunUntilIdle(maxEvents); !idle {
		return nil, fmt.Errorf("shuffle cycles did not quiesce")
	}
	fmt.Fprintf(progress, "ran %d shuffle cycles\n", p.cycles)
	return c, nil
}

// failed returns a copy of base with f percent of its nodes crashed, the
// same nodes for the same seed and f. Every node gets a fresh random stream.
func (p hvParams) failed(base *hvCluster, f int, phase uint64) (*hvCluster, error) {
	c, err := cloneCluster(base, p.netConfig(subSeed(p.seed, 3, phase, uint64(f)), base.net.Now()), subSeed(p.seed, 4, phase, uint64(f)))
	if err != nil {
		return nil, err
	}
	c.crashFraction(f, subSeed(p.seed, 5, uint64(f)))
	return c, nil
}

// broadcast floods one message from a random live node and lets the nodes
// whose sends failed repair their views. It returns the fraction of live
// nodes reached.
func (c *hvCluster) broadcast(fl *flood, live []int32, rng *rand.Rand) (float64, error) {
	fl.run(c.adj, c.up, int(live[rng.IntN(len(live))]))
	reached := fl.reached
	for _, e := range fl.failed {
		c.peerFailed(int(e[0]), int(e[1]))
	}
	if _, idle := c.net.RunUntilIdle(maxEvents); !idle {
		return 0, fmt.Errorf("repair did not quiesce")
	}
	return float64(reached) / float64(len(live)), nil
}

// reliability crashes f percent of the nodes and returns the mean fraction
// of live nodes that p.broadcasts successive broadcasts reach, with no
// membership cycle in between, and the first broadcast's fraction.
func (p hvParams) reliability(base *hvCluster, f int) (mean, first float64, err error) {
	c, err := p.failed(base, f, 1)
	if err != nil {
		return 0, 0, err
	}
	live := liveNodes(c.up)
	fl := newFlood(len(c.nodes))
	rng := rand.New(rand.NewPCG(subSeed(p.seed, 6, uint64(f)), 0))
	var sum float64
	for b := 0; b < p.broadcasts; b++ {
		r, err := c.broadcast(fl, live, rng)
		if err != nil {
			return 0, 0, err
		}
		if b == 0 {
			first = r
		}
		sum += r
	}
	return sum / float64(p.broadcasts), first, nil
}

// healing crashes f percent of the nodes and counts membership cycles until
// every broadcast of a cycle reaches every live node. Each cycle lets every
// live node tick (shuffle, repair below capacity), then sends
// p.healBroadcasts broadcasts, which repair the views as in reliability. It
// returns nil when the overlay has not healed within p.maxHealCycles.
func (p hvParams) healing(base *hvCluster, f int) (*int, error) {
	c, err := p.failed(base, f, 2)
	if err != nil {
		return nil, err
	}
	live := liveNodes(c.up)
	fl := newFlood(len(c.nodes))
	rng := rand.New(rand.NewPCG(subSeed(p.seed, 7, uint64(f)), 0))
	for cycle := 1; cycle <= p.maxHealCycles; cycle++ {
		end := c.net.Now().Add(p.cycle)
		c.startTicking(p.cycle/10, func() bool { return !c.net.Now().Before(end) })
		c.net.RunUntil(end)
		if _, idle := c.net.RunUntilIdle(maxEvents); !idle {
			return nil, fmt.Errorf("healing cycle %d did not quiesce", cycle)
		}
		healed := true
		for b := 0; b < p.healBroadcasts; b++ {
			r, err := c.broadcast(fl, live, rng)
			if err != nil {
				return nil, err
			}
			healed = healed && r == 1
		}
		if healed {
			return &cycle, nil
		}
	}
	return nil, nil
}

func detectText(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return d.String()
}

func cyclesText(c *int) string {
	if c == nil {
		return "not healed"
	}
	return strconv.Itoa(*c)
}

func printHVReport(w io.Writer, p hvParams, r hvResult) {
	fmt.Fprintf(w, "HyParView, %d nodes, seed %d, %d shuffle cycles, %d broadcasts per failure level, crash detection %s\n\n",
		r.N, r.Seed, p.cycles, p.broadcasts, r.Detect)
	fmt.Fprintf(w, "%-8s %-22s %-14s %-16s %-12s\n", "failed", "reliability (paper)", "first bcast", "healing cycles", "(paper)")
	for _, f := range p.failures {
		key := strconv.Itoa(f)
		paperRel, paperHeal := "—", "—"
		if v, ok := hvPaper.reliability[f]; ok {
			paperRel = fmt.Sprintf("%.1f%%", 100*v)
		}
		if v, ok := hvPaper.healing[f]; ok {
			paperHeal = strconv.Itoa(v)
		}
		fmt.Fprintf(w, "%-8s %-22s %-14s %-16s %-12s\n", key+"%",
			fmt.Sprintf("%.2f%% (%s)", 100*r.Reliability[key], paperRel),
			fmt.Sprintf("%.2f%%", 100*r.FirstBroadcast[key]),
			cyclesText(r.HealingCycles[key]), paperHeal)
	}
	fmt.Fprintf(w, "\n%-28s %-12s %s\n", "graph before failures", "measured", "paper")
	fmt.Fprintf(w, "%-28s %-12.5f %.5f\n", "clustering coefficient", r.Clustering, hvPaper.clustering)
	fmt.Fprintf(w, "%-28s %-12.2f %.2f\n", "average shortest path", r.AvgShortestPath, hvPaper.avgPath)
	fmt.Fprintf(w, "%-28s %-12.2f %.1f\n", "max hops (mean of sources)", r.MaxHops, hvPaper.maxHops)
	fmt.Fprintf(w, "%-28s %-12s %s\n", "in-degree p1 / p50 / p99", fmt.Sprintf("%d / %d / %d", r.InDegreeP1, r.InDegreeP50, r.InDegreeP99), "5 for almost all")
	fmt.Fprintf(w, "\n%.1f s\n", r.Seconds)
}
