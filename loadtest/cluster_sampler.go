package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"syscall"
	"time"
)

// sample is the cluster as the sampler saw it at one moment.
type sample struct {
	T float64 `json:"t_s"` // since the first agent started
	// AliveLeast, AliveMedian and AliveMost are the members the live
	// agents' catalogs show alive.
	AliveLeast  int `json:"alive_least"`
	AliveMedian int `json:"alive_median"`
	AliveMost   int `json:"alive_most"`
	// Isolated counts the live agents with no active peer.
	Isolated int `json:"isolated"`
	// BytesPerAgentS is the UDP payload sent per live agent per second
	// since the sample before.
	BytesPerAgentS float64 `json:"bytes_per_agent_s"`
	Phase          string  `json:"phase"`
}

// sampler records the cluster every second and writes a progress line to
// stderr every few.
type sampler struct {
	f        *fleet
	began    time.Time
	progress io.Writer

	mu      sync.Mutex
	phase   string
	samples []sample
}

// progressEvery spaces the progress lines.
const progressEvery = 5

func (s *sampler) setPhase(p string) {
	s.mu.Lock()
	s.phase = p
	s.mu.Unlock()
}

func (s *sampler) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	_, lastBytes := s.f.tap.totals()
	last := time.Now()
	for k := 1; ; k++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		_, bytes := s.f.tap.totals()
		least, median, most := s.f.aliveSeen()
		isolated := s.f.isolated()
		live := max(s.f.live(), 1)
		s.mu.Lock()
		smp := sample{
			T: now.Sub(s.began).Seconds(), AliveLeast: least, AliveMedian: median, AliveMost: most, Isolated: isolated,
			BytesPerAgentS: float64(bytes-lastBytes) / now.Sub(last).Seconds() / float64(live), Phase: s.phase,
		}
		s.samples = append(s.samples, smp)
		s.mu.Unlock()
		lastBytes, last = bytes, now
		if k%progressEvery == 0 {
			fmt.Fprintf(s.progress, "%5.0fs %-10s agents up %d (%d with no active peer), alive seen least/median/most %d/%d/%d, %.0f B/s per agent, cpu %.1f s, rss %.0f MB\n",
				smp.T, smp.Phase, live, isolated, least, median, most, smp.BytesPerAgentS, cpuSeconds(), peakRSSMB())
		}
	}
}

func (s *sampler) all() []sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sample(nil), s.samples...)
}

// cpuSeconds is the CPU time this process has used, user and system.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
