package node

import (
	"testing"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
)

// BenchmarkAgentCluster starts 12 agents on the harness and lets them
// converge (reported in virtual seconds). A quiet minute follows, after
// which it reports the shape of Plumtree's tree: eager entries over all
// agents (22 for a spanning tree of 12) and agents with no eager peer.
// Then each agent in turn registers a service, 5 s apart, and it reports
// the delays of the catalog broadcasts delivered in that minute: mean,
// share within 128 ms and beyond 1.024 s (histogram bucket bounds), and
// the tree's shape again. One iteration is one cluster: run it with
// -benchtime=Nx.
func BenchmarkAgentCluster(b *testing.B) {
	for _, tc := range []struct {
		name   string
		varied bool
	}{{"latency=2ms", false}, {"latency=1-20ms", true}} {
		b.Run(tc.name, func(b *testing.B) {
			var converge float64
			var quiet, busy treeShape
			var d delays
			seed := uint64(0)
			for b.Loop() {
				seed++
				h := newHarness(b)
				if tc.varied {
					h.vary(names(12), seed)
				}
				all := cluster(b, h, 12, nil)
				converge += h.clock.Now().Sub(t0).Seconds()
				h.run(time.Minute)
				quiet.add(b, h, all)
				d0 := deliveryDelays(b, h)
				for i, name := range all {
					if err := h.agents[name].RegisterService(b.Context(), catalog.Service{ID: "s", Name: "s", Port: uint16(i + 1), Health: catalog.Passing}); err != nil {
						b.Fatal(err)
					}
					h.run(5 * time.Second)
				}
				d.add(deliveryDelays(b, h), d0)
				busy.add(b, h, all)
			}
			runs := float64(b.N)
			b.ReportMetric(converge/runs, "virtual-s/converge")
			b.ReportMetric(quiet.eager/runs, "quiet-eager-entries")
			b.ReportMetric(quiet.none/runs, "quiet-agents-without-eager")
			b.ReportMetric(busy.eager/runs, "busy-eager-entries")
			b.ReportMetric(busy.none/runs, "busy-agents-without-eager")
			b.ReportMetric(d.sum/max(d.count, 1)*1000, "ms/delivery")
			b.ReportMetric(d.within128ms/max(d.count, 1), "share<128ms")
			b.ReportMetric((d.count-d.within1s)/max(d.count, 1), "share>1s")
		})
	}
}

// treeShape sums the eager entries of agents and counts those with none.
type treeShape struct{ eager, none float64 }

func (s *treeShape) add(tb testing.TB, h *harness, names []string) {
	for _, name := range names {
		ta := h.agents[name]
		var n int
		if err := ta.do(tb.Context(), func(time.Time) error { n = len(ta.core.pt.Eager()); return nil }); err != nil {
			tb.Fatal(err)
		}
		s.eager += float64(n)
		if n == 0 {
			s.none++
		}
	}
}

// delays sums broadcast delivery delay histograms.
type delays struct{ sum, count, within128ms, within1s float64 }

// add adds the deliveries counted in to since from.
func (d *delays) add(to, from delays) {
	d.sum += to.sum - from.sum
	d.count += to.count - from.count
	d.within128ms += to.within128ms - from.within128ms
	d.within1s += to.within1s - from.within1s
}

// deliveryDelays sums the broadcast delivery delay histograms of every
// running agent.
func deliveryDelays(tb testing.TB, h *harness) delays {
	var d delays
	for _, ta := range h.running() {
		f, ok := gather(tb, ta.Agent)["overlay_broadcast_delivery_delay_seconds"]
		if !ok {
			continue
		}
		hist := f.GetMetric()[0].GetHistogram()
		d.sum += hist.GetSampleSum()
		d.count += float64(hist.GetSampleCount())
		for _, bk := range hist.GetBucket() {
			switch bk.GetUpperBound() {
			case 0.128: // the bounds are 1 ms × 2^k
				d.within128ms += float64(bk.GetCumulativeCount())
			case 1.024:
				d.within1s += float64(bk.GetCumulativeCount())
			}
		}
	}
	return d
}
