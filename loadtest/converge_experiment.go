package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/overlayd/overlayd/loadtest/sim"
	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/catalog"
)

// convParams are the converge experiment's knobs.
type convParams struct {
	n          int
	seed       uint64
	dcs        int
	seeds      int
	joinWindow time.Duration
	settle     time.Duration
	steady     time.Duration
	crashPct   float64
	partition  time.Duration
	limit      time.Duration // give up on a phase after this much virtual time
	latency    sim.Latency
	tune       node.Config // the Cores' configuration; zero fields keep the defaults
	asJSON     bool
	memprofile string
}

// convResult is the report; nil durations mean the phase did not converge
// within the limit.
type convResult struct {
	N             int      `json:"n"`
	Seed          uint64   `json:"seed"`
	JoinConverge  *float64 `json:"join_converge_s"`
	DeadConverge  *float64 `json:"dead_converge_s"`
	PartitionHeal *float64 `json:"partition_heal_s"`
	// HealAlive is the part of the heal until every catalog shows every
	// live node alive; the rest waits for the catalogs' digests to agree.
	HealAlive     *float64 `json:"partition_alive_s"`
	BytesPerNodeS float64  `json:"bytes_per_node_s"`
	MsgsPerNodeS  float64  `json:"msgs_per_node_s"`
	RecordsPerS   float64  `json:"record_broadcasts_s"`
	// Traffic breaks the steady state down by message kind.
	Traffic        []trafficShare `json:"traffic"`
	Crashed        int            `json:"crashed"`
	PeakRSSMB      float64        `json:"peak_rss_mb"`
	VirtualSeconds float64        `json:"virtual_s"`
	Seconds        float64        `json:"seconds"`
}

func runConverge(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("converge",
		"Runs full node.Cores (HyParView, Plumtree, SWIM, Vivaldi and the catalog) in the simulator.\n"+
			"Nodes join through a few seeds within a window; the experiment measures the time until every\n"+
			"catalog shows every node alive, the steady-state bandwidth (the codec's encoded sizes), the\n"+
			"time until every survivor shows a 1 % crash as dead, and the time after a 60 s 50/50\n"+
			"partition heals until every catalog agrees again.",
		"go run ./loadtest converge -n 5000 -json", stderr)
	p := convParams{}
	fs.IntVar(&p.n, "n", 1000, "number of nodes")
	fs.Uint64Var(&p.seed, "seed", 1, "random seed; the same seed gives the same output")
	fs.IntVar(&p.dcs, "dcs", 3, "datacenters, assigned round-robin")
	fs.IntVar(&p.seeds, "seeds", 3, "seed nodes the others join through")
	fs.DurationVar(&p.joinWindow, "join-window", 10*time.Second, "nodes join at random times within this window")
	fs.DurationVar(&p.settle, "settle", 5*time.Minute, "virtual time after the join before bandwidth is measured, for coordinates to settle")
	fs.DurationVar(&p.steady, "steady", 60*time.Second, "steady-state window over which bandwidth is measured")
	fs.Float64Var(&p.crashPct, "crash", 1, "percentage of nodes to crash")
	fs.DurationVar(&p.partition, "partition", 60*time.Second, "how long the 50/50 partition lasts")
	fs.DurationVar(&p.limit, "limit", 300*time.Second, "give up on a phase after this much virtual time")
	links := fs.String("links", "matrix:loadtest/data/planetlab490/rtt_ms.tsv", linksHelp+
		"; the default is the PlanetLab WAN, run from the repository's root")
	fs.BoolVar(&p.asJSON, "json", false, "end the report with one JSON line")
	fs.StringVar(&p.memprofile, "memprofile", "", "write a heap profile at the end of the steady state to this file (go tool pprof reads it)")
	stop, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	defer stop()
	if p.latency, err = parseLinks(*links); err != nil {
		return err
	}
	switch {
	case p.n < 4 || p.seeds < 1 || p.seeds >= p.n || p.dcs < 1:
		return fmt.Errorf("need -n >= 4, 1 <= -seeds < n and -dcs >= 1")
	case p.joinWindow < 0 || p.settle < 0 || p.steady <= 0 || p.partition < 0 || p.limit <= 0:
		return fmt.Errorf("-join-window and -partition must not be negative; -steady and -limit must be positive")
	case p.crashPct < 0 || p.crashPct >= 50:
		return fmt.Errorf("-crash %v: want a percentage below 50", p.crashPct)
	}
	res, err := p.run(stderr)
	if err != nil {
		return err
	}
	printConvReport(stdout, res)
	return endWithJSON(stdout, p.asJSON, res)
}

// convergeTick is how often every node's Core ticks.
const convergeTick = 100 * time.Millisecond

func (p convParams) run(progress io.Writer) (convResult, error) {
	began := time.Now()
	res := convResult{N: p.n, Seed: p.seed}
	c, rng, err := p.start()
	if err != nil {
		return res, err
	}
	net := c.net
	start := net.Now()

	// Join: every catalog shows every node alive.
	res.JoinConverge = c.waitFor(time.Second, p.limit, func() bool { return c.allAlive(p.n) })
	fmt.Fprintf(progress, "join: %s (%.1fs)\n", secondsText(res.JoinConverge), time.Since(began).Seconds())

	// Steady state: what a node sends per second with nothing happening,
	// once coordinates have settled.
	net.RunUntil(net.Now().Add(p.settle))
	before, recordsBefore := net.Stats().Sent, c.recordBroadcasts()
	c.traffic = traffic{}
	net.RunUntil(net.Now().Add(p.steady))
	after := net.Stats().Sent
	res.Traffic, c.traffic = c.traffic.breakdown(p.steady.Seconds()*float64(p.n)), nil
	if err := writeHeapProfile(p.memprofile); err != nil {
		return res, err
	}
	res.RecordsPerS = float64(c.recordBroadcasts()-recordsBefore) / p.steady.Seconds()
	secs := p.steady.Seconds() * float64(p.n)
	res.BytesPerNodeS = float64(after.Bytes-before.Bytes) / secs
	res.MsgsPerNodeS = float64(after.Msgs-before.Msgs) / secs
	fmt.Fprintf(progress, "steady: %.0f B/s and %.2f msg/s per node, %.2f record broadcasts/s in all (%.1fs)\n",
		res.BytesPerNodeS, res.MsgsPerNodeS, res.RecordsPerS, time.Since(began).Seconds())

	// Crash: every survivor shows every crashed node dead.
	res.Crashed = int(float64(p.n) * p.crashPct / 100)
	var crashed []int
	for _, i := range rng.Perm(p.n - p.seeds)[:res.Crashed] {
		crashed = append(crashed, p.seeds+i)
		c.crash(p.seeds + i)
	}
	res.DeadConverge = c.waitFor(500*time.Millisecond, p.limit, func() bool { return c.allSee(crashed, catalog.Dead) })
	fmt.Fprintf(progress, "crash of %d: %s (%.1fs)\n", res.Crashed, secondsText(res.DeadConverge), time.Since(began).Seconds())

	// Partition: split the live nodes in two for p.partition, heal, and wait
	// for every catalog to agree, with every live node alive.
	if p.partition > 0 {
		var a, b []int
		for i, up := range c.up {
			if up && rng.IntN(2) == 0 {
				a = append(a, i)
			} else if up {
				b = append(b, i)
			}
		}
		net.Partition(a, b)
		net.RunUntil(net.Now().Add(p.partition))
		net.Heal()
		live := p.n - res.Crashed
		healed := net.Now()
		res.PartitionHeal = c.waitFor(time.Second, p.limit, func() bool {
			alive := c.allAlive(live)
			if alive && res.HealAlive == nil {
				s := net.Now().Sub(healed).Seconds()
				res.HealAlive = &s
			}
			return alive && c.agree()
		})
		fmt.Fprintf(progress, "partition heal: %s, all alive after %s (%.1fs)\n", secondsText(res.PartitionHeal), secondsText(res.HealAlive), time.Since(began).Seconds())
	}
	res.VirtualSeconds = net.Now().Sub(start).Seconds()
	res.PeakRSSMB = peakRSSMB()
	res.Seconds = time.Since(began).Seconds()
	return res, nil
}

// recordBroadcasts sums the broadcasts of own records over every node.
func (c *coreCluster) recordBroadcasts() uint64 {
	var n uint64
	for _, core := range c.cores {
		n += core.Stats().RecordBroadcasts
	}
	return n
}

// start creates the Cores and schedules their joins through the seeds at
// random times within the join window. It returns the random stream the
// rest of the run draws from.
func (p convParams) start() (*coreCluster, *rand.Rand, error) {
	// QUIC's model: a dial to a dead address times out after a second, and
	// an idle connection to a crashed or cut-off peer is dropped after 5 s.
	net, err := sim.New(sim.Config{Seed: subSeed(p.seed, 20), Latency: p.latency,
		SendFailureDelay: time.Second, CrashDetection: 5 * time.Second})
	if err != nil {
		return nil, nil, err
	}
	c, err := newTunedCoreCluster(net, p.n, p.dcs, subSeed(p.seed, 21), convergeTick, p.tune)
	if err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(subSeed(p.seed, 22), 0))
	for i := 1; i < p.n; i++ {
		seed := corePeer(rng.IntN(min(i, p.seeds)))
		at := time.Duration(rng.Int64N(int64(p.joinWindow) + 1))
		if i < p.seeds {
			at = 0 // the seeds first, or the nodes that join a seed not yet joined form an island
		}
		net.After(at, func() { c.cores[i].Join(net.Now(), seed); c.flush(i) })
	}
	return c, rng, nil
}

// bootstrap starts the Cores and runs them until every catalog shows every
// node alive.
func (p convParams) bootstrap() (*coreCluster, error) {
	c, _, err := p.start()
	if err != nil {
		return nil, err
	}
	if c.waitFor(time.Second, p.limit, func() bool { return c.allAlive(p.n) }) == nil {
		return nil, fmt.Errorf("%d nodes did not converge within %v", p.n, p.limit)
	}
	return c, nil
}

// waitFor runs the network, checking cond every step, until it holds or
// limit has passed; it returns the virtual seconds it took, or nil.
func (c *coreCluster) waitFor(step, limit time.Duration, cond func() bool) *float64 {
	start := c.net.Now()
	for c.net.Now().Sub(start) <= limit {
		if cond() {
			s := c.net.Now().Sub(start).Seconds()
			return &s
		}
		c.net.RunUntil(c.net.Now().Add(step))
	}
	return nil
}

// allAlive reports whether every live node's catalog shows want members
// alive and none suspect.
func (c *coreCluster) allAlive(want int) bool {
	for i, core := range c.cores {
		if !c.up[i] {
			continue
		}
		if n := core.Counts(); n.Alive != want || n.Suspect != 0 {
			return false
		}
	}
	return true
}

// allSee reports whether every live node shows each of ids in status s.
func (c *coreCluster) allSee(ids []int, s catalog.Status) bool {
	for i, core := range c.cores {
		if !c.up[i] {
			continue
		}
		for _, j := range ids {
			if r, ok := core.Member(corePeer(j).ID); !ok || r.Status != s {
				return false
			}
		}
	}
	return true
}

// agree reports whether every live node's catalog has the same digest.
func (c *coreCluster) agree() bool {
	var first []uint64
	for i, core := range c.cores {
		if !c.up[i] {
			continue
		}
		d := core.Digest()
		if first == nil {
			first = d
			continue
		}
		for k := range d {
			if d[k] != first[k] {
				return false
			}
		}
	}
	return true
}

// writeHeapProfile writes a heap profile to path, after a collection so
// that it shows what is live; nothing when path is empty.
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("-memprofile: %w", err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		return fmt.Errorf("-memprofile: %w", err)
	}
	return f.Close()
}

// peakRSSMB reads the process's peak resident set size from Linux's
// /proc/self/status; 0 where that is not available.
func peakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}

func secondsText(s *float64) string {
	if s == nil {
		return "not reached"
	}
	return fmt.Sprintf("%.1f s", *s)
}

func printConvReport(w io.Writer, r convResult) {
	fmt.Fprintf(w, "converge: %d full Cores, seed %d\n\n", r.N, r.Seed)
	fmt.Fprintf(w, "%-52s %s\n", "every catalog shows all nodes alive (from the first join)", secondsText(r.JoinConverge))
	fmt.Fprintf(w, "%-52s %.0f B/s, %.2f msg/s\n", "steady state, sent per node", r.BytesPerNodeS, r.MsgsPerNodeS)
	fmt.Fprintf(w, "%-52s %.2f/s\n", "steady state, own-record broadcasts in the cluster", r.RecordsPerS)
	fmt.Fprintln(w)
	printTraffic(w, "steady state by message, per node", r.Traffic)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-52s %s\n", fmt.Sprintf("every survivor shows the %d crashed nodes dead", r.Crashed), secondsText(r.DeadConverge))
	fmt.Fprintf(w, "%-52s %s\n", "after a 50/50 partition heals, every catalog agrees", secondsText(r.PartitionHeal))
	fmt.Fprintf(w, "%-52s %s\n", "  of which until every catalog shows all alive", secondsText(r.HealAlive))
	fmt.Fprintf(w, "%-52s %.0f MB\n", "peak RSS", r.PeakRSSMB)
	fmt.Fprintf(w, "\n%.0f s of virtual time in %.1f s\n", r.VirtualSeconds, r.Seconds)
}
