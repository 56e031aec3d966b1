package main

import (
	"fmt"
	"io"
)

// clusterResult is the report of a real-cluster run. A nil duration was
// not reached before the run's timeout.
type clusterResult struct {
	Scenario string `json:"scenario"`
	N        int    `json:"n"`
	Net      string `json:"net"`
	Date     string `json:"date"`
	// SampleInterval is the agents' coordinate sample interval, when
	// -sample-interval changed it.
	SampleInterval string `json:"sample_interval,omitempty"`
	// StartS is how long starting every agent took; ConvergeS the time
	// from the first start until every catalog showed all N alive.
	StartS    float64  `json:"start_s"`
	ConvergeS *float64 `json:"converge_s"`
	// SeedSentMB and OtherSentMB are the UDP payload a seed and any other
	// agent sent during the bootstrap, on average; OtherMedianSentMB the
	// median of the others.
	SeedSentMB        float64 `json:"bootstrap_seed_sent_mb"`
	OtherSentMB       float64 `json:"bootstrap_other_sent_mb"`
	OtherMedianSentMB float64 `json:"bootstrap_other_median_sent_mb"`
	// BootstrapTraffic is what the transports sent until then, by kind,
	// per agent per second, the most bytes first.
	BootstrapTraffic []trafficShare `json:"bootstrap_traffic"`
	// BootstrapSeedTraffic is the same for the seeds alone, per seed.
	BootstrapSeedTraffic []trafficShare `json:"bootstrap_seed_traffic"`

	Steady    *steadyFigures    `json:"steady,omitempty"`
	Detection *detectFigures    `json:"detection,omitempty"`
	Partition *partitionFigures `json:"partition,omitempty"`
	Churn     []churnRound      `json:"churn,omitempty"`
	Broadcast *broadcastFigures `json:"broadcast,omitempty"`
	Query     *queryFigures     `json:"query,omitempty"`

	// CPUSecondsPerAgentS is the process's CPU time over the whole run,
	// the harness's polling included, per agent per second.
	CPUSecondsPerAgentS float64 `json:"cpu_s_per_agent_s"`
	PeakRSSMB           float64 `json:"peak_rss_mb"`
	// Transport sums what the transports refused or dropped, over the run.
	Transport map[string]uint64 `json:"transport,omitempty"`
	Seconds   float64           `json:"seconds"`
	TimedOut  bool              `json:"timed_out"`
	Samples   []sample          `json:"-"`
}

// steadyFigures are the steady window's, per agent per second.
type steadyFigures struct {
	WindowS        float64 `json:"window_s"`
	BytesPerAgentS float64 `json:"udp_bytes_per_agent_s"` // UDP payload sent
	PktsPerAgentS  float64 `json:"udp_packets_per_agent_s"`
	MsgsPerAgentS  float64 `json:"messages_per_agent_s"` // overlay messages the transports sent
	CPUmsPerAgentS float64 `json:"cpu_ms_per_agent_s"`
	// FalseDeaths is the dead verdicts declared in the window, when no
	// agent had failed: every one a false positive.
	FalseDeaths   uint64 `json:"false_deaths"`
	AllAliveAtEnd bool   `json:"all_alive_at_end"`
	// Traffic is the window's overlay messages by kind, the most bytes
	// first.
	Traffic []trafficShare `json:"traffic"`
}

type detectFigures struct {
	Crashed   int `json:"crashed"`
	Survivors int `json:"survivors"`
	// Pairs is survivors × crashed; DeadBefore how many showed the victim
	// dead already at the crash; Seen how many came to show it dead after.
	Pairs      int      `json:"pairs"`
	DeadBefore int      `json:"dead_before"`
	Seen       int      `json:"seen"`
	MedianS    float64  `json:"median_s"`
	P99S       float64  `json:"p99_s"`
	MaxS       float64  `json:"max_s"`
	AllS       *float64 `json:"all_s"`
	// Times are each pair's detection time, for the CDF plot.
	Times []float64 `json:"-"`
}

type partitionFigures struct {
	SplitS float64 `json:"split_s"`
	// SidesSeeOtherDeadS: every agent showed the whole other side dead.
	SidesSeeOtherDeadS *float64 `json:"sides_see_other_dead_s"`
	HealS              *float64 `json:"heal_s"`
}

type churnRound struct {
	Round     int      `json:"round"`
	Restarted int      `json:"restarted"`
	BackS     *float64 `json:"back_s"`
	// DeathsDeclared counts the dead verdicts of the agents not restarted,
	// until all were back.
	DeathsDeclared uint64 `json:"deaths_declared"`
}

type broadcastFigures struct {
	Rate    float64 `json:"rate_per_s"`
	Changes int     `json:"changes"`
	// Delivery is per agent and change; AllSeen per change, until the last
	// agent showed it.
	DeliveryP50S float64 `json:"delivery_p50_s"`
	DeliveryP99S float64 `json:"delivery_p99_s"`
	AllSeenP50S  float64 `json:"all_seen_p50_s"`
	AllSeenP99S  float64 `json:"all_seen_p99_s"`
	AllSeenMaxS  float64 `json:"all_seen_max_s"`
	// Missed counts (agent, change) pairs not seen within 30 s.
	Missed int     `json:"missed"`
	RMR    float64 `json:"rmr"`

	delays, allSeen []float64
}

func (b *broadcastFigures) summarise() {
	if len(b.delays) > 0 {
		b.DeliveryP50S, b.DeliveryP99S = quantile(b.delays, 0.5), quantile(b.delays, 0.99)
	}
	if len(b.allSeen) > 0 {
		b.AllSeenP50S, b.AllSeenP99S = quantile(b.allSeen, 0.5), quantile(b.allSeen, 0.99)
		b.AllSeenMaxS = b.allSeen[len(b.allSeen)-1] // quantile sorted them
	}
}

type queryFigures struct {
	Path     string  `json:"path"`
	Clients  int     `json:"clients"`
	Requests int     `json:"requests"`
	PerS     float64 `json:"per_s"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	Errors   int     `json:"errors"`
}

func printClusterReport(w io.Writer, r *clusterResult) {
	fmt.Fprintf(w, "loadtest cluster: %d agents over QUIC, net %s, scenario %s, %s\n", r.N, r.Net, r.Scenario, r.Date)
	if r.SampleInterval != "" {
		fmt.Fprintf(w, "coordinate samples every %s\n", r.SampleInterval)
	}
	fmt.Fprintln(w)
	row := func(what, value string, args ...any) { fmt.Fprintf(w, "%-62s %s\n", what, fmt.Sprintf(value, args...)) }
	row("agents started", "%.1f s", r.StartS)
	row(fmt.Sprintf("bootstrap: every catalog shows all %d alive", r.N), "%s", secondsText(r.ConvergeS))
	row("bootstrap: UDP payload sent by a seed / by another agent, mean (median)", "%.1f MB / %.2f MB (%.2f MB)", r.SeedSentMB, r.OtherSentMB, r.OtherMedianSentMB)
	if s := r.Steady; s != nil {
		row(fmt.Sprintf("steady %.0f s: UDP payload sent per agent", s.WindowS), "%.0f B/s, %.2f datagrams/s", s.BytesPerAgentS, s.PktsPerAgentS)
		row("steady: overlay messages sent per agent", "%.2f /s", s.MsgsPerAgentS)
		row("steady: CPU per agent (harness included)", "%.3f ms/s", s.CPUmsPerAgentS)
		row("steady: dead verdicts declared (false positives)", "%d; all alive at the end: %v", s.FalseDeaths, s.AllAliveAtEnd)
	}
	if d := r.Detection; d != nil {
		row(fmt.Sprintf("crash of %d: survivor×victim pairs coming to show dead", d.Crashed), "%d of %d (%d dead already)", d.Seen, d.Pairs, d.DeadBefore)
		row("crash: detection per pair, median / p99 / max", "%.2f / %.2f / %.2f s", d.MedianS, d.P99S, d.MaxS)
		row("crash: every survivor shows every victim dead", "%s", secondsText(d.AllS))
	}
	if p := r.Partition; p != nil {
		row(fmt.Sprintf("partition %.0f s: every agent shows the other side dead", p.SplitS), "%s", secondsText(p.SidesSeeOtherDeadS))
		row("partition: after the heal, every catalog shows all alive", "%s", secondsText(p.HealS))
	}
	for _, c := range r.Churn {
		row(fmt.Sprintf("churn round %d: %d restarted, all back at new addresses", c.Round, c.Restarted), "%s (%d dead verdicts)", secondsText(c.BackS), c.DeathsDeclared)
	}
	if b := r.Broadcast; b != nil {
		row(fmt.Sprintf("broadcast: %d changes at %.0f/s, delivery median / p99", b.Changes, b.Rate), "%.3f / %.3f s", b.DeliveryP50S, b.DeliveryP99S)
		row("broadcast: seen by every agent, median / p99 / max", "%.3f / %.3f / %.3f s", b.AllSeenP50S, b.AllSeenP99S, b.AllSeenMaxS)
		row("broadcast: (agent, change) not seen within 30 s", "%d", b.Missed)
		row("broadcast: Plumtree RMR", "%.2f", b.RMR)
	}
	if q := r.Query; q != nil {
		row(fmt.Sprintf("query: %d clients on agent 0, %s", q.Clients, q.Path), "%.0f answers/s", q.PerS)
		row("query: latency p50 / p99", "%.2f / %.2f ms (%d errors)", q.P50ms, q.P99ms, q.Errors)
	}
	row("CPU per agent over the run (harness included)", "%.3f ms/s", r.CPUSecondsPerAgentS*1000)
	row("transports refused or dropped (whole run)", "%v", r.Transport)
	row("peak RSS", "%.0f MB (%.1f MB per agent)", r.PeakRSSMB, r.PeakRSSMB/float64(r.N))
	row("run", "%.1f s%s", r.Seconds, map[bool]string{true: ", stopped at -timeout"}[r.TimedOut])
	if len(r.BootstrapTraffic) > 0 {
		fmt.Fprintln(w)
		printTraffic(w, "bootstrap by message, per agent", r.BootstrapTraffic)
	}
	if len(r.BootstrapSeedTraffic) > 0 {
		fmt.Fprintln(w)
		printTraffic(w, "bootstrap by message, per seed", r.BootstrapSeedTraffic)
	}
	if r.Steady != nil && len(r.Steady.Traffic) > 0 {
		fmt.Fprintln(w)
		printTraffic(w, "steady state by message, per agent", r.Steady.Traffic)
	}
}
