package daemon

import (
	"github.com/prometheus/client_golang/prometheus"
)

// The metrics of what surrounds the agent: its API's and its services'
// bounds. The agent's own are in package node.
var (
	descAPIRefused = prometheus.NewDesc("overlay_api_refused_total",
		"API requests refused at a bound: a body over MaxBodyBytes (413) or a blocking query past MaxBlockingQueries (429).",
		[]string{"reason"}, nil)
	descAPIBlocked = prometheus.NewDesc("overlay_api_blocking_queries",
		"Blocking queries and event streams waiting now.", nil, nil)
	descServicesRefused = prometheus.NewDesc("overlay_services_refused_total",
		"Service registrations refused at the agent's MaxServices or MaxChecks.", nil, nil)
)

// daemonCollector reads the API's and the services' counters at scrape
// time.
type daemonCollector struct{ d *Daemon }

func (c daemonCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descServicesRefused
	if c.d.api != nil {
		ch <- descAPIRefused
		ch <- descAPIBlocked
	}
}

func (c daemonCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descServicesRefused, prometheus.CounterValue, float64(c.d.services.Stats().OverLimit))
	if c.d.api == nil {
		return
	}
	r := c.d.api.Refusals()
	ch <- prometheus.MustNewConstMetric(descAPIRefused, prometheus.CounterValue, float64(r.BodyTooLarge), "body_too_large")
	ch <- prometheus.MustNewConstMetric(descAPIRefused, prometheus.CounterValue, float64(r.TooManyBlocking), "too_many_blocking_queries")
	ch <- prometheus.MustNewConstMetric(descAPIBlocked, prometheus.GaugeValue, float64(c.d.api.Blocked()))
}
