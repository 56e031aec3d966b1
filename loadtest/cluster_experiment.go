package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/daemon"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/overlay/netem"
)

// clusterParams are the knobs of `loadtest cluster`.
type clusterParams struct {
	n, seeds, dcs int
	scenario      string
	netSpec       string
	matrix        *netem.RTTMatrix
	seed          uint64
	steady        time.Duration // steady-state window after the bootstrap
	timeout       time.Duration
	phaseLimit    time.Duration // how long a scenario waits for its condition
	crash         int           // crash: agents killed
	split         time.Duration // partition: how long
	churnPct      float64       // churn: agents restarted each round
	churnRounds   int
	rate          float64       // broadcast: service changes per second
	duration      time.Duration // broadcast, query: how long
	conc          int           // query: concurrent clients
	perAddress    int           // the transports' MaxConnectionsPerAddress
	sampleEvery   time.Duration // the agents' coordinate sample interval; 0 keeps theirs
	asJSON        bool
	plotDir       string
	logFile       string // the agents' logs, if set
	dataRoot      string // where the agents' data directories go
}

// defaultClusterParams are the flags' defaults.
func defaultClusterParams() clusterParams {
	return clusterParams{
		n: 200, seeds: 3, dcs: 3, scenario: "bootstrap", netSpec: "loopback", seed: 1,
		steady: 30 * time.Second, timeout: 10 * time.Minute, phaseLimit: 3 * time.Minute, crash: 10, split: 60 * time.Second,
		churnPct: 10, churnRounds: 3, rate: 5, duration: 30 * time.Second, conc: 8,
		perAddress: overlay.DefaultMaxConnections, dataRoot: defaultDataRoot(),
	}
}

// clusterScenarios name what runs after the bootstrap and its steady
// window.
var clusterScenarios = map[string]func(*clusterRun) error{
	"bootstrap": func(*clusterRun) error { return nil },
	"crash":     (*clusterRun).crash,
	"partition": (*clusterRun).partition,
	"churn":     (*clusterRun).churn,
	"broadcast": (*clusterRun).broadcast,
	"query":     (*clusterRun).query,
}

func runCluster(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("cluster",
		"Runs real agents (node/daemon) over real QUIC in this process, each on its own UDP socket on\n"+
			"loopback, optionally delayed by an RTT matrix. Every scenario starts with a bootstrap (all join\n"+
			"through the seeds at once) and a steady window, then: crash kills -k agents; partition splits\n"+
			"the cluster 50/50 for -split, then heals it; churn restarts -churn % of the agents every minute;\n"+
			"broadcast publishes -rate service changes per second from random agents; query loads agent 0's\n"+
			"HTTP API. Every figure is read from the agents' own views and counters. The run stops by itself\n"+
			"at -timeout.",
		"go run ./loadtest cluster -n 1000 -scenario crash -k 10 -json", stderr)
	p := defaultClusterParams()
	fs.IntVar(&p.n, "n", p.n, "agents")
	fs.IntVar(&p.seeds, "seeds", p.seeds, "seed agents the others join through")
	fs.IntVar(&p.dcs, "dcs", p.dcs, "datacenters, assigned round-robin")
	fs.StringVar(&p.scenario, "scenario", p.scenario, "bootstrap, crash, partition, churn, broadcast or query; or several, comma-separated, run in turn after one bootstrap (crash leaves its victims dead for those after it)")
	fs.StringVar(&p.netSpec, "net", p.netSpec, "loopback, or matrix:FILE (an all-pairs RTT matrix in ms, e.g. loadtest/data/planetlab490/rtt_ms.tsv)")
	fs.Uint64Var(&p.seed, "seed", p.seed, "random seed of the scenario's choices (the agents' own randomness is not seeded)")
	fs.DurationVar(&p.steady, "steady", p.steady, "steady-state window after the bootstrap, over which traffic, CPU and false positives are measured")
	fs.DurationVar(&p.timeout, "timeout", p.timeout, "the whole run stops after this long")
	fs.DurationVar(&p.phaseLimit, "phase-limit", p.phaseLimit, "how long a scenario waits for its condition (all dead, healed, back) before it reports \"not reached\" and the next begins")
	fs.IntVar(&p.crash, "k", p.crash, "crash: agents killed at once")
	fs.DurationVar(&p.split, "split", p.split, "partition: how long the cluster stays split")
	fs.Float64Var(&p.churnPct, "churn", p.churnPct, "churn: percentage of the agents restarted each minute")
	fs.IntVar(&p.churnRounds, "rounds", p.churnRounds, "churn: rounds, one a minute")
	fs.Float64Var(&p.rate, "rate", p.rate, "broadcast: service changes per second, cluster-wide")
	fs.DurationVar(&p.duration, "duration", p.duration, "broadcast and query: how long the load lasts")
	fs.IntVar(&p.conc, "c", p.conc, "query: concurrent API clients")
	fs.IntVar(&p.perAddress, "per-address", p.perAddress, "inbound connections each agent takes from one IP address; every agent here shares 127.0.0.1,\n"+
		"which no real deployment does, so the default lifts the transport's bound of 128 to its total (0 keeps 128)")
	fs.DurationVar(&p.sampleEvery, "sample-interval", 0, "the agents' coordinate sample interval (node.Config.SampleInterval); 0 keeps the default, "+node.DefaultSampleInterval.String()+"\n"+
		"(each sample of a member outside the active view opens a QUIC connection: a full TLS handshake)")
	fs.BoolVar(&p.asJSON, "json", false, "end the report with one JSON line")
	fs.StringVar(&p.plotDir, "plot", "", "write SVG plots to this directory")
	fs.StringVar(&p.dataRoot, "data-root", p.dataRoot, "the directory under which each agent gets its data directory; the default is tmpfs where there is one,\n"+
		"because the agents' fsyncs (incarnation, key, members) queue on one shared disk here, as they would not on N machines")
	fs.StringVar(&p.logFile, "log", "", "write every agent's logs (Info and above, each line tagged with its node) to this file")
	stop, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	defer stop()
	if err := p.check(); err != nil {
		return err
	}
	res, err := p.run(stderr)
	if err != nil {
		return err
	}
	printClusterReport(stdout, res)
	if p.plotDir != "" {
		if err := writeClusterPlots(p.plotDir, res); err != nil {
			return err
		}
	}
	return endWithJSON(stdout, p.asJSON, res)
}

func (p *clusterParams) check() error {
	for _, name := range strings.Split(p.scenario, ",") {
		if _, ok := clusterScenarios[name]; !ok {
			return fmt.Errorf("-scenario %q: want bootstrap, crash, partition, churn, broadcast or query, or a list of them", p.scenario)
		}
	}
	switch kind, file, _ := strings.Cut(p.netSpec, ":"); kind {
	case "loopback":
	case "matrix":
		m, err := netem.LoadRTTMatrix(file, time.Millisecond)
		if err != nil {
			return fmt.Errorf("-net %q: %w", p.netSpec, err)
		}
		p.matrix = m
	default:
		return fmt.Errorf("-net %q: want loopback or matrix:FILE", p.netSpec)
	}
	switch {
	case p.n < 2 || p.seeds < 1 || p.seeds >= p.n || p.dcs < 1:
		return fmt.Errorf("need -n >= 2, 1 <= -seeds < n and -dcs >= 1")
	case p.crash < 1 || p.crash > p.n-p.seeds:
		return fmt.Errorf("-k %d: want 1 to n - seeds", p.crash)
	case p.churnPct <= 0 || p.churnPct > 50 || p.churnRounds < 1:
		return fmt.Errorf("-churn wants a percentage in (0, 50], -rounds at least 1")
	case p.rate <= 0 || p.rate > 1000 || p.conc < 1:
		return fmt.Errorf("-rate wants (0, 1000], -c at least 1")
	case p.sampleEvery < 0:
		return fmt.Errorf("-sample-interval must not be negative")
	case p.timeout <= 0 || p.phaseLimit <= 0 || p.steady < 0 || p.split <= 0 || p.duration <= 0:
		return fmt.Errorf("-timeout, -phase-limit, -split and -duration must be positive, -steady not negative")
	}
	return nil
}

// clusterRun is one run in progress.
type clusterRun struct {
	p     *clusterParams
	ctx   context.Context // ends at -timeout
	f     *fleet
	s     *sampler
	rng   *rand.Rand
	res   *clusterResult
	began time.Time
	codec *overlay.Codec
	// bootTraffic is what the agents had sent when the bootstrap ended.
	bootTraffic traffic
}

func (p *clusterParams) run(progress io.Writer) (*clusterResult, error) {
	// ^C ends the run early, as the timeout does, with its report.
	interrupted, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stopSignals()
	ctx, cancel := context.WithTimeout(interrupted, p.timeout)
	defer cancel()
	dataDir, err := os.MkdirTemp(p.dataRoot, "overlayd-cluster-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dataDir)
	res := &clusterResult{Scenario: p.scenario, N: p.n, Net: p.netSpec, Date: time.Now().UTC().Format(time.RFC3339)}
	if p.sampleEvery > 0 {
		res.SampleInterval = p.sampleEvery.String()
	}
	tap := newTapNet(p.n)
	f := &fleet{tap: tap, ctx: ctx, up: make([]bool, p.n)}
	codec, err := newNamingCodec()
	if err != nil {
		return nil, err
	}
	r := &clusterRun{p: p, ctx: ctx, f: f, codec: codec, rng: rand.New(rand.NewPCG(p.seed, 7)), res: res, began: time.Now()}
	r.s = &sampler{f: f, began: r.began, progress: progress, phase: "bootstrap"}

	logger, closeLog, err := p.agentLogger()
	if err != nil {
		return nil, err
	}
	defer closeLog()
	cpu0 := cpuSeconds()
	cfg := daemon.ClusterConfig{
		Logger: logger,
		Nodes:  p.n, Datacenters: p.dcs, Seeds: p.seeds, Matrix: p.matrix, DataDir: dataDir,
		Listen: tap.listen, Services: p.services,
		TuneTransport: func(c *overlay.Config) { c.MaxConnectionsPerAddress = p.perAddress },
		Tune:          func(c *node.AgentConfig) { c.Core.SampleInterval = p.sampleEvery },
	}
	c, err := daemon.StartCluster(ctx, cfg)
	if err != nil {
		return nil, err
	}
	f.c = c
	for i := range f.up {
		f.up[i] = true
	}
	defer f.stop()
	res.StartS = time.Since(r.began).Seconds()
	sampleCtx, stopSampling := context.WithCancel(ctx)
	defer stopSampling()
	sampled := make(chan struct{})
	go func() { r.s.run(sampleCtx); close(sampled) }()

	res.ConvergeS = waitUntil(ctx, r.began, 100*time.Millisecond, func() bool { return f.allSeeAlive() })
	r.bootTraffic = f.trafficSent(r.codec)
	seed, other, otherMedian := f.tap.sentSplit(p.seeds)
	res.SeedSentMB, res.OtherSentMB, res.OtherMedianSentMB = seed/1e6, other/1e6, otherMedian/1e6
	res.BootstrapTraffic = r.bootTraffic.breakdown(time.Since(r.began).Seconds() * float64(p.n))[:min(topTraffic, len(r.bootTraffic))]
	seedTraffic := f.seedTrafficSent(p.seeds, r.codec)
	res.BootstrapSeedTraffic = seedTraffic.breakdown(time.Since(r.began).Seconds() * float64(p.seeds))[:min(topTraffic, len(seedTraffic))]
	fmt.Fprintf(progress, "bootstrap: every catalog shows all %d alive after %s (starting the agents took %.1f s)\n",
		p.n, secondsText(res.ConvergeS), res.StartS)
	if res.ConvergeS != nil {
		r.steadyWindow()
		for _, name := range strings.Split(p.scenario, ",") {
			if err := clusterScenarios[name](r); err != nil {
				return nil, err
			}
		}
	}
	stopSampling()
	<-sampled
	res.Samples = r.s.all()
	res.Seconds = time.Since(r.began).Seconds()
	res.CPUSecondsPerAgentS = (cpuSeconds() - cpu0) / res.Seconds / float64(p.n)
	res.PeakRSSMB = peakRSSMB()
	res.Transport = f.transportTrouble()
	res.TimedOut = ctx.Err() != nil
	return res, nil
}

// defaultDataRoot is /dev/shm if it is a directory, else the system's
// temporary directory.
func defaultDataRoot() string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		return "/dev/shm"
	}
	return os.TempDir()
}

// agentLogger returns the agents' logger: text lines to -log, or
// nowhere.
func (p *clusterParams) agentLogger() (*slog.Logger, func(), error) {
	if p.logFile == "" {
		return slog.New(slog.DiscardHandler), func() {}, nil
	}
	f, err := os.Create(p.logFile)
	if err != nil {
		return nil, nil, fmt.Errorf("-log: %w", err)
	}
	w := bufio.NewWriter(f)
	var mu sync.Mutex
	h := slog.NewTextHandler(lockedWriter{w: w, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelInfo})
	return slog.New(h), func() { mu.Lock(); w.Flush(); f.Close(); mu.Unlock() }, nil
}

// lockedWriter serialises the agents' writes to one buffer.
type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// services puts a web instance on every tenth agent, for the query
// scenario to find.
func (p *clusterParams) services(i int) []services.Definition {
	if i%10 != 0 {
		return nil
	}
	return []services.Definition{{ID: "web", Name: "web", Port: 8080}}
}

// steadyWindow measures the cluster with nothing happening: traffic, CPU,
// and the dead verdicts declared, every one a false positive.
func (r *clusterRun) steadyWindow() {
	if r.p.steady == 0 {
		return
	}
	r.s.setPhase("steady")
	f := r.f
	r.bootTraffic = f.trafficSent(r.codec)
	pkts0, bytes0 := f.tap.totals()
	msgs0, deaths0, cpu0, t0 := f.messagesSent(), f.deathsDeclared(), cpuSeconds(), time.Now()
	if !pause(r.ctx, r.p.steady) {
		return
	}
	pkts1, bytes1 := f.tap.totals()
	kinds := f.trafficSent(r.codec).minus(r.bootTraffic)
	secs := time.Since(t0).Seconds() * float64(r.p.n)
	r.res.Steady = &steadyFigures{
		WindowS:        r.p.steady.Seconds(),
		BytesPerAgentS: float64(bytes1-bytes0) / secs,
		PktsPerAgentS:  float64(pkts1-pkts0) / secs,
		MsgsPerAgentS:  float64(f.messagesSent()-msgs0) / secs,
		CPUmsPerAgentS: (cpuSeconds() - cpu0) * 1000 / secs,
		FalseDeaths:    f.deathsDeclared() - deaths0,
		AllAliveAtEnd:  f.allSeeAlive(),
	}
	r.res.Steady.Traffic = kinds.breakdown(secs)[:min(topTraffic, len(kinds))]
}
