package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// lineSeries is one line of a chart.
type lineSeries struct {
	name   string
	color  string
	xs, ys []float64
}

// lineChart is a small SVG line chart with linear axes from zero.
type lineChart struct {
	title, xLabel, yLabel string
	series                []lineSeries
}

// Chart geometry, in SVG user units.
const (
	plotW, plotH         = 640, 360
	plotLeft, plotBottom = 70, 50
	plotRight, plotTop   = 20, 40
	plotTicks            = 5
)

func (c lineChart) svg() string {
	xMax, yMax := 0.0, 0.0
	for _, s := range c.series {
		for i := range s.xs {
			xMax, yMax = max(xMax, s.xs[i]), max(yMax, s.ys[i])
		}
	}
	xMax, yMax = niceCeil(xMax), niceCeil(yMax)
	w, h := float64(plotW-plotLeft-plotRight), float64(plotH-plotTop-plotBottom)
	px := func(x float64) float64 { return plotLeft + x/xMax*w }
	py := func(y float64) float64 { return plotTop + h - y/yMax*h }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", plotW, plotH)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/><text x="%d" y="22" font-size="15">%s</text>`+"\n", plotLeft, escapeXML(c.title))
	for k := 0; k <= plotTicks; k++ {
		x, y := xMax*float64(k)/plotTicks, yMax*float64(k)/plotTicks
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`, px(0), py(y), px(xMax), py(y))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, px(0)-6, py(y)+4, tickText(y))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", px(x), py(0)+18, tickText(x))
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.0f" height="%.0f" fill="none" stroke="black"/>`+"\n", plotLeft, plotTop, w, h)
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", px(xMax/2), plotH-10, escapeXML(c.xLabel))
	fmt.Fprintf(&b, `<text transform="translate(16 %.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", py(yMax/2), escapeXML(c.yLabel))
	for k, s := range c.series {
		var pts []string
		for i := range s.xs {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(s.xs[i]), py(s.ys[i])))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", s.color, strings.Join(pts, " "))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="%s">%s</text>`+"\n", px(xMax)-150, plotTop+16+16*k, s.color, escapeXML(s.name))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func tickText(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

func escapeXML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// cdfSteps bounds the steps of a CDF line, so that a chart of 30,000
// deliveries stays a few kilobytes.
const cdfSteps = 400

// cdf returns the empirical CDF of xs as a step line, of at most cdfSteps
// steps (each then a quantile of xs).
func cdf(name, color string, xs []float64) lineSeries {
	s := lineSeries{name: name, color: color}
	sorted := slices.Sorted(slices.Values(xs))
	n := len(sorted)
	steps, below := min(n, cdfSteps), 0.0
	for k := range steps {
		i := (k+1)*n/steps - 1 // the last sample of step k
		s.xs = append(s.xs, sorted[i], sorted[i])
		s.ys = append(s.ys, below, float64(i+1)/float64(n))
		below = float64(i+1) / float64(n)
	}
	return s
}

// writeClusterPlots writes the run's charts into dir: members seen and
// bandwidth over time, and the CDFs the scenario measured.
func writeClusterPlots(dir string, r *clusterResult) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var t, least, median, most, bw []float64
	for _, s := range r.Samples {
		t = append(t, s.T)
		least, median, most = append(least, float64(s.AliveLeast)), append(median, float64(s.AliveMedian)), append(most, float64(s.AliveMost))
		bw = append(bw, s.BytesPerAgentS)
	}
	where := fmt.Sprintf("%d agents, %s, %s", r.N, r.Net, r.Scenario)
	charts := map[string]lineChart{
		"members.svg": {title: "Members seen alive, " + where, xLabel: "seconds since the first agent started", yLabel: "members alive in a catalog",
			series: []lineSeries{{"most", "#2a7", t, most}, {"median", "#27c", t, median}, {"least", "#c33", t, least}}},
		"bandwidth.svg": {title: "UDP payload sent, " + where, xLabel: "seconds since the first agent started", yLabel: "bytes per agent per second",
			series: []lineSeries{{"per agent", "#27c", t, bw}}},
	}
	if d := r.Detection; d != nil && len(d.Times) > 0 {
		charts["detection_cdf.svg"] = lineChart{title: fmt.Sprintf("Crash detection, %d crashed, %s", d.Crashed, where), xLabel: "seconds from the crash to dead in a survivor's catalog",
			yLabel: "fraction of survivor×victim pairs", series: []lineSeries{cdf("pairs", "#c33", d.Times)}}
	}
	if b := r.Broadcast; b != nil && len(b.delays) > 0 {
		charts["delivery_cdf.svg"] = lineChart{title: fmt.Sprintf("Service change delivery, %.0f/s, %s", b.Rate, where), xLabel: "seconds from the change to its arrival",
			yLabel: "fraction", series: []lineSeries{cdf("each agent", "#27c", b.delays), cdf("every agent", "#c33", b.allSeen)}}
	}
	for name, c := range charts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(c.svg()), 0o644); err != nil {
			return err
		}
	}
	return nil
}
