package dns

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/overlayd/overlayd/node/api/apitest"
)

// benchServer is a Server over a catalog of 10,000 members, 1,000 of
// which offer "web", all in dc1, with coordinates of the default
// dimensionality (apitest.Populate, as the API's benchmarks).
func benchServer(b *testing.B) *Server {
	be, err := apitest.New(apitest.Config{})
	if err != nil {
		b.Fatal(err)
	}
	if err := apitest.Populate(be, rand.New(rand.NewPCG(1, 1)), 10_000, 1_000, "dc1", "web"); err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{Backend: be})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkAnswer answers web.service.overlay in process (no sockets)
// and reports the median and 99th percentile of one answer: SRV and A
// over UDP without EDNS(0) (the nearest 32 instances are asked for, of
// which 6 SRV records with their addresses, or 29 A records, fit in 512
// bytes), A with a 1,232-byte EDNS buffer (74 fit), and SRV over TCP
// (all 1,000, of which 789 fit in 64 KiB).
func BenchmarkAnswer(b *testing.B) {
	s := benchServer(b)
	for _, tc := range []struct {
		name  string
		qtype dnsmessage.Type
		edns  int
		tcp   bool
	}{
		{"SRV/udp512", dnsmessage.TypeSRV, 0, false},
		{"A/udp512", dnsmessage.TypeA, 0, false},
		{"A/udp1232", dnsmessage.TypeA, 1232, false},
		{"SRV/tcp", dnsmessage.TypeSRV, 0, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			req := query(b, 1, "web.service.overlay.", tc.qtype, tc.edns)
			buf := make([]byte, 0, maxMessageSize)
			durations := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				msg, ok := s.answer(req, buf, tc.tcp)
				durations = append(durations, time.Since(start))
				if !ok || len(msg) < 12 {
					b.Fatal("no answer")
				}
			}
			reportPercentiles(b, durations)
		})
	}
}

// BenchmarkUDPExchange sends web.service.overlay A over a loopback UDP
// socket and waits for the answer, one query at a time.
func BenchmarkUDPExchange(b *testing.B) {
	s := startServer(b, Config{Backend: benchServer(b).cfg.Backend})
	c := dialUDP(b, s.udp)
	req := query(b, 1, "web.service.overlay.", dnsmessage.TypeA, 0)
	resp := make([]byte, 4096)
	durations := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		if err := c.SetReadDeadline(start.Add(5 * time.Second)); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Read(resp); err != nil {
			b.Fatal("read:", err)
		}
		durations = append(durations, time.Since(start))
	}
	reportPercentiles(b, durations)
}

func reportPercentiles(b *testing.B, durations []time.Duration) {
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2]), "p50-ns")
	b.ReportMetric(float64(durations[len(durations)*99/100]), "p99-ns")
}
