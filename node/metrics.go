package node

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/overlayd/overlayd/overlay"
)

// agentMetrics are an agent's Prometheus metrics, on a registry of its own
// so that many agents can run in one process. Most are read at scrape
// time from the counters the loop refreshes every tick and from the
// transport; the histograms are fed by the loop.
type agentMetrics struct {
	reg            *prometheus.Registry
	probeRTT       prometheus.Histogram
	deliveryDelay  prometheus.Histogram
	joinAttempts   *prometheus.CounterVec
	persistErrors  prometheus.Counter
	persistFailing prometheus.Gauge
}

const namespace = "overlay"

func newAgentMetrics(a *Agent) *agentMetrics {
	m := &agentMetrics{
		reg: prometheus.NewRegistry(),
		probeRTT: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "swim", Name: "probe_rtt_seconds",
			Help: "Round-trip times of SWIM probes answered by active peers.",
			// 0.5 ms to 4 s: loopback to intercontinental.
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		deliveryDelay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "broadcast", Name: "delivery_delay_seconds",
			Help: "Delay from a catalog broadcast's origin to its delivery here, by the two nodes' clocks (negative offsets count as 0).",
			// 1 ms to 65 s: one hop on a LAN to a lazy repair after a partition.
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 17),
		}),
		joinAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "join", Name: "attempts_total",
			Help: "Attempts to reach a join address (a seed, a saved member, an operator's), by whether it answered.",
		}, []string{"result"}),
		persistErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "datadir", Name: "errors_total",
			Help: "Failed reads and writes of the data directory; the agent serves on without it.",
		}),
		persistFailing: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "datadir", Name: "failing",
			Help: "1 when the last read or write of the data directory failed, else 0.",
		}),
	}
	m.reg.MustRegister(m.probeRTT, m.deliveryDelay, m.joinAttempts, m.persistErrors, m.persistFailing, &agentCollector{a: a})
	return m
}

// MetricsHandler serves the agent's metrics in the Prometheus exposition
// format, for the API server's /metrics.
func (a *Agent) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(a.m.reg, promhttp.HandlerOpts{})
}

// Registry returns the agent's metrics registry, to which a daemon may add
// its own collectors (the Go runtime's, the process's).
func (a *Agent) Registry() *prometheus.Registry { return a.m.reg }

func desc(subsystem, name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, subsystem, name), help, labels, nil)
}

var (
	descActive              = desc("hyparview", "active_peers", "Peers in the HyParView active view.")
	descPassive             = desc("hyparview", "passive_peers", "Peers in the HyParView passive view.")
	descMembers             = desc("catalog", "members", "Members in this node's catalog, by status.", "status")
	descSuspicions          = desc("swim", "suspicions_raised_total", "Suspicions this node raised or confirmed after a failed probe.")
	descRefutations         = desc("swim", "suspicions_refuted_total", "Suspicions or deaths of this node that it refuted.")
	descDeaths              = desc("swim", "deaths_declared_total", "Dead verdicts this node declared when a suspicion ran out.")
	descHealth              = desc("swim", "local_health_multiplier", "Lifeguard local health multiplier: the factor (score+1) stretching probe intervals and timeouts.")
	descInc                 = desc("swim", "incarnation", "This node's SWIM incarnation.")
	descVivError            = desc("vivaldi", "error", "This node's Vivaldi error estimate, relative (0 is a perfect fit).")
	descReconnects          = desc("catalog", "reconnect_attempts_total", "Attempts to reach a member believed dead, which heal partitions.")
	descRejoins             = desc("catalog", "rejoins_total", "Joins through a catalog member after HyParView reported isolation.")
	descWidenings           = desc("catalog", "widenings_total", "Joins through a catalog member outside the active view, made when the passive view was empty.")
	descIgnored             = desc("core", "ignored_messages_total", "Messages ignored as of no known protocol, from an invalid sender or from this node.")
	descTargeted            = desc("core", "targeted_samples_total", "Coordinate samples sent to measure the RTT to a candidate nearest instance.")
	descMeasured            = desc("core", "measured_rtts", "Members whose RTT this node measured directly and still trusts.")
	descMessages            = desc("transport", "messages_total", "Messages carried by the transport, by protocol, type and direction.", "protocol", "type", "direction")
	descBytes               = desc("transport", "bytes_total", "Bytes of the frames carried by the transport, by protocol, type and direction.", "protocol", "type", "direction")
	descDrops               = desc("transport", "send_queue_drops_total", "Messages dropped from full send queues.")
	descRefused             = desc("transport", "refused_total", "Connections refused because the peer could not prove its identity.")
	descDecodeErrs          = desc("transport", "decode_errors_total", "Frames received that did not decode.")
	descEncodeErrs          = desc("transport", "encode_errors_total", "Messages that could not be encoded (a bug).")
	descLimited             = desc("transport", "limited_total", "Inbound connections refused and messages dropped at a bound of the transport, by bound.", "limit")
	descPktDrops            = desc("transport", "packets_dropped_total", "Datagrams dropped before they reached a connection, by reason.", "reason")
	descRefusedRecs         = desc("catalog", "records_refused_total", "Records the catalog refused: invalid (a limit of a record) or full (MaxMembers).", "reason")
	descDroppedRecs         = desc("catalog", "records_dropped_total", "Records and verdicts dropped before merging: forged (failed authentication), stale (a signed replay, or late news) or unbound (a new member's key without its CA binding).", "reason")
	descUnsignedAccusations = desc("swim", "accusations_unsigned_total", "Verdicts whose accuser (From) did not sign them: taken as from no known accuser, so they confirm no suspicion.")
	descUnproven            = desc("swim", "verdicts_unproven_total", "Verdicts of this node not sent for want of the member's signed record of their incarnation.")
	descCacheBytes          = desc("broadcast", "cache_bytes", "Bytes of broadcast payloads cached to answer GRAFTs.")
	descCacheEvicts         = desc("broadcast", "cache_evictions_total", "Broadcast payloads evicted from the cache or never cached, by cause.", "cause")
	descOversize            = desc("broadcast", "oversize_total", "Broadcasts refused for a payload over plumtree's MaxPayloadBytes: own ones not sent, received ones dropped.", "direction")
)

// agentCollector turns the agent's counters and the transport's into
// metrics at scrape time.
type agentCollector struct{ a *Agent }

func (c *agentCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		descActive, descPassive, descMembers, descSuspicions, descRefutations, descDeaths, descHealth, descInc,
		descVivError, descReconnects, descRejoins, descWidenings, descIgnored, descMessages, descBytes, descDrops, descRefused,
		descDecodeErrs, descEncodeErrs, descTargeted, descMeasured,
		descLimited, descPktDrops, descRefusedRecs, descCacheBytes, descCacheEvicts, descOversize,
		descDroppedRecs, descUnproven,
	} {
		ch <- d
	}
}

func (c *agentCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	if s := c.a.counters.Load(); s != nil {
		gauge(descActive, float64(s.active))
		gauge(descPassive, float64(s.passive))
		gauge(descMembers, float64(s.members.Alive), "alive")
		gauge(descMembers, float64(s.members.Suspect), "suspect")
		gauge(descMembers, float64(s.members.Dead), "dead")
		gauge(descMembers, float64(s.members.Left), "left")
		counter(descSuspicions, s.protos.SWIM.SuspicionsRaised)
		counter(descRefutations, s.protos.SWIM.Refutations)
		counter(descDeaths, s.protos.SWIM.DeadDeclared)
		gauge(descHealth, float64(s.health+1))
		gauge(descInc, float64(s.inc))
		gauge(descVivError, s.vivError)
		counter(descReconnects, s.core.Reconnects)
		counter(descRejoins, s.core.Rejoins)
		counter(descWidenings, s.core.Widenings)
		counter(descIgnored, s.core.Ignored)
		counter(descTargeted, s.core.TargetedSamples)
		gauge(descMeasured, float64(s.measured))
		counter(descRefusedRecs, s.protos.Catalog.Invalid, "invalid")
		counter(descRefusedRecs, s.protos.Catalog.Full, "full")
		counter(descDroppedRecs, s.core.ForgedRecords, "forged")
		counter(descDroppedRecs, s.core.StaleRecords, "stale")
		counter(descDroppedRecs, s.core.UnboundRecords, "unbound")
		counter(descUnproven, s.core.UnprovenVerdicts)
		counter(descUnsignedAccusations, s.core.UnsignedAccusations)
		pt := s.protos.Plumtree
		gauge(descCacheBytes, float64(pt.CachedBytes))
		counter(descCacheEvicts, pt.CacheExpired, "ttl")
		counter(descCacheEvicts, pt.CacheEvictedCount, "max_entries")
		counter(descCacheEvicts, pt.CacheEvictedBytes, "max_bytes")
		counter(descCacheEvicts, pt.CacheRejected, "too_large")
		counter(descOversize, pt.OversizeBroadcasts, "send")
		counter(descOversize, pt.OversizeGossips, "receive")
	}
	r, ok := c.a.tr.(overlay.StatsReporter)
	if !ok {
		return
	}
	ts := r.Stats()
	counter(descDrops, sumValues(ts.QueueDrops))
	counter(descRefused, sumValues(ts.Refused))
	counter(descDecodeErrs, ts.DecodeErrors)
	counter(descEncodeErrs, ts.EncodeErrors)
	counter(descLimited, ts.Refused[overlay.RefusedTooManyConnections], "connections")
	counter(descLimited, ts.Refused[overlay.RefusedTooManyFromAddress], "connections_per_address")
	counter(descLimited, ts.Refused[overlay.RefusedHandshakeRate], "handshakes_per_second")
	counter(descLimited, ts.RateLimited, "messages_per_peer_per_second")
	for reason, n := range ts.PacketsDropped {
		counter(descPktDrops, n, reason)
	}
	codec := c.a.core.Codec()
	for k, tr := range ts.Traffic {
		labels := []string{k.Protocol.String(), codec.MessageName(k.Protocol, k.Type), k.Direction.String()}
		counter(descMessages, tr.Messages, labels...)
		counter(descBytes, tr.Bytes, labels...)
	}
}

// sumValues adds up the counts of a map of counters.
func sumValues[K comparable](m map[K]uint64) uint64 {
	var n uint64
	for _, v := range m {
		n += v
	}
	return n
}
