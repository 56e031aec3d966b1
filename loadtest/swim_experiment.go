package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/overlayd/overlayd/loadtest/sim"
	"github.com/overlayd/overlayd/node/catalog"
)

// swimParams are the swim experiment's knobs.
type swimParams struct {
	n        int
	seed     uint64
	crash    int
	duration time.Duration // of each false-positive run
	settle   time.Duration // from convergence to the crash
	latency  sim.Latency
	asJSON   bool
	// phases are the phases to run: "detect" and the scenarios' names.
	phases map[string]bool
	// trace, when set, receives the detection phase's timeline of each
	// crashed node (see detectionTrace).
	trace io.Writer
}

// swimResult is the report.
type swimResult struct {
	N              int            `json:"n"`
	Seed           uint64         `json:"seed"`
	SettleS        float64        `json:"settle_s"`
	Crashed        int            `json:"crashed"`
	DetectMedian   float64        `json:"detect_median_s"`
	DetectP99      float64        `json:"detect_p99_s"`
	DetectMax      float64        `json:"detect_max_s"`
	Undetected     int            `json:"undetected_pairs"`
	FalsePositives map[string]int `json:"false_positives"`
	SlowDeclared   []float64      `json:"slow_nodes_declared_dead_delay_s"`
	MsgsPerNodeS   float64        `json:"msgs_per_node_s"`
	BytesPerNodeS  float64        `json:"bytes_per_node_s"`
	Seconds        float64        `json:"seconds"`
}

func runSWIM(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("swim",
		"Runs full node.Cores and measures SWIM: how long until every survivor marks crashed nodes\n"+
			"dead (median, p99 and max over survivor–crashed pairs), and false positives over a quiet\n"+
			"run at 0, 5 and 10 % loss of SWIM's datagrams and with 1 % of nodes slow (their message\n"+
			"handling delayed by a fixed 1–5 s each). Bandwidth is counted at the codec's encoded sizes.",
		"go run ./loadtest swim -n 1000 -json", stderr)
	p := swimParams{}
	fs.IntVar(&p.n, "n", 1000, "number of nodes")
	fs.Uint64Var(&p.seed, "seed", 1, "random seed; the same seed gives the same output")
	fs.IntVar(&p.crash, "crash", 10, "nodes to crash")
	fs.DurationVar(&p.duration, "duration", 10*time.Minute, "virtual length of each false-positive run")
	fs.DurationVar(&p.settle, "settle", 30*time.Second,
		"virtual time from convergence to the crash, so that the crash hits a cluster in steady state\n"+
			"(neighbours have measured each other's round trips) rather than one still joining")
	links := fs.String("links", "uniform:1ms,10ms", linksHelp+"; the default is a LAN, memberlist's LAN profile's home")
	fs.BoolVar(&p.asJSON, "json", false, "end the report with one JSON line")
	phases := fs.String("phases", "all", "comma-separated phases to run: detect, "+strings.Join(scenarioNames(), ", ")+", or all;\n"+
		"the figures of a phase not run are zero")
	trace := fs.Bool("trace", false, "print, for each crashed node, when some survivor first held it suspect and dead,\n"+
		"and when half and all of them held it dead")
	stop, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	defer stop()
	if p.latency, err = parseLinks(*links); err != nil {
		return err
	}
	if p.phases, err = parsePhases(*phases); err != nil {
		return err
	}
	if *trace {
		p.trace = stdout
	}
	if p.n < 10 || p.crash < 1 || p.crash >= p.n/2 || p.duration <= 0 || p.settle < 0 {
		return fmt.Errorf("need -n >= 10, 1 <= -crash < n/2, a positive -duration and a -settle >= 0")
	}
	res, err := p.run(stderr)
	if err != nil {
		return err
	}
	printSWIMReport(stdout, p, res)
	return endWithJSON(stdout, p.asJSON, res)
}

// cluster starts p.n Cores joined through three seeds, runs them until
// every catalog shows every node alive, and returns them.
func (p swimParams) cluster(label uint64) (*coreCluster, error) {
	net, err := sim.New(sim.Config{Seed: subSeed(p.seed, 30, label), Latency: p.latency,
		SendFailureDelay: time.Second, CrashDetection: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	c, err := newCoreCluster(net, p.n, 1, subSeed(p.seed, 31, label), convergeTick)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(subSeed(p.seed, 32, label), 0))
	for i := 1; i < p.n; i++ {
		seed := corePeer(rng.IntN(min(i, 3)))
		at := time.Duration(rng.Int64N(int64(10 * time.Second)))
		if i < 3 {
			at = 0 // the seeds first, or the nodes that join a seed not yet joined form an island
		}
		net.After(at, func() { c.cores[i].Join(net.Now(), seed); c.flush(i) })
	}
	if c.waitFor(time.Second, 5*time.Minute, func() bool { return c.allAlive(p.n) }) == nil {
		return nil, fmt.Errorf("%d nodes did not converge within 5 minutes", p.n)
	}
	return c, nil
}

// swimScenario is one false-positive run: a quiet cluster under loss of
// SWIM's datagrams, or with slow nodes.
type swimScenario struct {
	name string
	loss float64
	slow bool
}

var swimScenarios = []swimScenario{{"loss_0", 0, false}, {"loss_5", 0.05, false}, {"loss_10", 0.10, false}, {"slow_1pct", 0, true}}

// detectPhase names the detection phase in -phases.
const detectPhase = "detect"

func scenarioNames() []string {
	names := make([]string, len(swimScenarios))
	for k, sc := range swimScenarios {
		names[k] = sc.name
	}
	return names
}

// parsePhases reads -phases: "all", or phase names separated by commas.
// nil means every phase.
func parsePhases(s string) (map[string]bool, error) {
	if s == "all" {
		return nil, nil
	}
	known := append(scenarioNames(), detectPhase)
	phases := map[string]bool{}
	for _, name := range strings.Split(s, ",") {
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("unknown phase %q in -phases (known: %s)", name, strings.Join(known, ", "))
		}
		phases[name] = true
	}
	return phases, nil
}

// runs reports whether phase is to be run.
func (p swimParams) runs(phase string) bool { return p.phases == nil || p.phases[phase] }

// run measures detection and each false-positive scenario, each on its own
// cluster and in its own goroutine, and merges their reports.
func (p swimParams) run(progress io.Writer) (swimResult, error) {
	began := time.Now()
	res := swimResult{N: p.n, Seed: p.seed, SettleS: p.settle.Seconds(), Crashed: p.crash, FalsePositives: map[string]int{}}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	report := func(f func(), format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		f()
		fmt.Fprintf(progress, format+" (%.1fs)\n", append(args, time.Since(began).Seconds())...)
	}
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	if p.runs(detectPhase) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := p.detect()
			if err != nil {
				fail(err)
				return
			}
			report(func() {
				res.DetectMedian, res.DetectP99, res.DetectMax, res.Undetected = d.median, d.p99, d.max, d.undetected
			},
				"detection: median %.1f s, p99 %.1f s, max %.1f s, %d pairs undetected", d.median, d.p99, d.max, d.undetected)
		}()
	}
	for k, sc := range swimScenarios {
		if !p.runs(sc.name) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fp, err := p.falsePositives(sc, uint64(k))
			if err != nil {
				fail(err)
				return
			}
			report(func() {
				res.FalsePositives[sc.name] = fp.declared
				res.SlowDeclared = append(res.SlowDeclared, fp.slowDeclared...)
				if sc.name == "loss_0" {
					res.MsgsPerNodeS, res.BytesPerNodeS = fp.msgsPerNodeS, fp.bytesPerNodeS
				}
			}, "%s: %d live nodes declared dead somewhere", sc.name, fp.declared)
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return res, errors.Join(errs...)
	}
	res.Seconds = time.Since(began).Seconds()
	return res, nil
}

// detection is the detection phase's report.
type detection struct {
	median, p99, max float64
	undetected       int
}

// detect crashes p.crash random non-seed nodes of a converged cluster,
// p.settle after its convergence, and measures, for every (survivor, crashed) pair, how long until the survivor
// holds the crashed node dead.
func (p swimParams) detect() (detection, error) {
	c, err := p.cluster(1)
	if err != nil {
		return detection{}, err
	}
	c.net.RunUntil(c.net.Now().Add(p.settle))
	rng := rand.New(rand.NewPCG(subSeed(p.seed, 33), 0))
	crashed := rng.Perm(p.n - 3)[:p.crash]
	for k := range crashed {
		crashed[k] += 3 // never a seed
		c.crash(crashed[k])
	}
	start := c.net.Now()
	var times []float64
	pending := map[[2]int]bool{}
	for i := range c.cores {
		if c.up[i] {
			for _, j := range crashed {
				pending[[2]int{i, j}] = true
			}
		}
	}
	var trace *detectionTrace
	if p.trace != nil {
		trace = newDetectionTrace(crashed, p.n-p.crash)
		defer func() { trace.print(p.trace) }()
	}
	for len(pending) > 0 && c.net.Now().Sub(start) < 2*time.Minute {
		c.net.RunUntil(c.net.Now().Add(100 * time.Millisecond))
		if trace != nil {
			trace.observe(c, c.net.Now().Sub(start))
		}
		for pair := range pending {
			if r, ok := c.cores[pair[0]].Member(corePeer(pair[1]).ID); ok && r.Status == catalog.Dead {
				times = append(times, c.net.Now().Sub(start).Seconds())
				delete(pending, pair)
			}
		}
	}
	slices.Sort(times)
	d := detection{median: quantile(times, 0.5), p99: quantile(times, 0.99), undetected: len(pending)}
	if len(times) > 0 {
		d.max = times[len(times)-1]
	}
	return d, nil
}

// falsePositive is one false-positive scenario's report.
type falsePositive struct {
	declared      int
	slowDeclared  []float64 // the handling delays of slow nodes declared dead, in seconds
	msgsPerNodeS  float64
	bytesPerNodeS float64
}

// falsePositives runs a converged cluster with nothing crashed for
// p.duration under scenario sc, and counts the live nodes some catalog
// showed dead. Scenario k draws its own slow nodes and losses.
func (p swimParams) falsePositives(sc swimScenario, k uint64) (falsePositive, error) {
	c, err := p.cluster(2)
	if err != nil {
		return falsePositive{}, err
	}
	c.probeLoss, c.lossRand = sc.loss, rand.New(rand.NewPCG(subSeed(p.seed, 34, k), 0))
	var slow []int
	if sc.slow {
		rng := rand.New(rand.NewPCG(subSeed(p.seed, 35, k), 0))
		c.slow = make([]time.Duration, p.n)
		for _, i := range rng.Perm(p.n)[:max(p.n/100, 1)] {
			c.slow[i] = time.Second + time.Duration(rng.Int64N(int64(4*time.Second)))
			slow = append(slow, i)
		}
	}
	before := c.net.Stats().Sent
	declared := map[int]bool{}
	for end := c.net.Now().Add(p.duration); c.net.Now().Before(end); {
		c.net.RunUntil(c.net.Now().Add(time.Second))
		c.collectDead(declared)
	}
	fp := falsePositive{declared: len(declared)}
	for _, i := range slow {
		if declared[i] {
			fp.slowDeclared = append(fp.slowDeclared, c.slow[i].Seconds())
		}
	}
	after := c.net.Stats().Sent
	secs := p.duration.Seconds() * float64(p.n)
	fp.msgsPerNodeS = float64(after.Msgs-before.Msgs) / secs
	fp.bytesPerNodeS = float64(after.Bytes-before.Bytes) / secs
	return fp, nil
}

// collectDead adds to declared every node that some node's catalog shows
// dead. Nobody crashed in these runs, so every one is a false positive.
func (c *coreCluster) collectDead(declared map[int]bool) {
	for _, core := range c.cores {
		if core.Counts().Dead == 0 {
			continue
		}
		for j := range c.cores {
			if r, ok := core.Member(corePeer(j).ID); ok && r.Status == catalog.Dead {
				declared[j] = true
			}
		}
	}
}

func printSWIMReport(w io.Writer, p swimParams, r swimResult) {
	fmt.Fprintf(w, "SWIM in full Cores: %d nodes, seed %d\n\n", r.N, r.Seed)
	fmt.Fprintf(w, "crash of %d, %v after convergence: every survivor marks them dead — median %.1f s, p99 %.1f s, max %.1f s (%d pairs undetected after 2 min)\n",
		r.Crashed, p.settle, r.DetectMedian, r.DetectP99, r.DetectMax, r.Undetected)
	fmt.Fprintf(w, "false positives over %v: loss 0 %% %d, loss 5 %% %d, loss 10 %% %d, 1 %% slow nodes %d (slow ones among them, by handling delay: %.1f s)\n",
		p.duration, r.FalsePositives["loss_0"], r.FalsePositives["loss_5"], r.FalsePositives["loss_10"], r.FalsePositives["slow_1pct"], r.SlowDeclared)
	fmt.Fprintf(w, "steady state per node: %.2f msg/s, %.0f B/s\n\n%.1f s\n", r.MsgsPerNodeS, r.BytesPerNodeS, r.Seconds)
}
