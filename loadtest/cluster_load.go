package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/daemon"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/overlay"
)

// changeService is the instance the broadcast scenario changes; its port
// numbers the changes, so that a catalog has seen change k of a member
// once the member's instance shows a port of at least k.
const changeService = "bcast"

// deliveryLimit is how long a change may take to reach every agent before
// the agents that have not seen it are counted as missing it.
const deliveryLimit = 30 * time.Second

// change is one service change on its way through the cluster.
type change struct {
	origin  overlay.NodeID
	port    uint16
	at      time.Time
	pending []*daemon.ClusterNode // observers that have not seen it yet
}

// broadcast publishes -rate service changes a second for -duration, each
// on a random agent through its service manager, and times its arrival
// in every other agent's catalog.
func (r *clusterRun) broadcast() error {
	r.s.setPhase("broadcast")
	st0 := r.f.stats()
	bf := &broadcastFigures{Rate: r.p.rate}
	r.res.Broadcast = bf
	var (
		mu       sync.Mutex
		inFlight []*change
	)
	pollCtx, stopPolling := context.WithCancel(r.ctx)
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		t := time.NewTicker(25 * time.Millisecond)
		defer t.Stop()
		for {
			mu.Lock()
			inFlight = slices.DeleteFunc(inFlight, func(c *change) bool { return r.deliver(c, bf) })
			done := len(inFlight) == 0
			mu.Unlock()
			select {
			case <-pollCtx.Done():
				if done || r.ctx.Err() != nil {
					return
				}
			case <-t.C:
			}
		}
	}()
	every := time.Duration(float64(time.Second) / r.p.rate)
	tick := time.NewTicker(every)
	end := time.Now().Add(r.p.duration)
	for port := uint16(1); time.Now().Before(end) && r.ctx.Err() == nil; port++ {
		idx, nodes := r.f.nodes()
		k := r.rng.IntN(len(idx))
		origin := nodes[k]
		observers := append(slices.Clone(nodes[:k]), nodes[k+1:]...)
		at := time.Now()
		if err := origin.Services().Register(r.ctx, services.Definition{ID: changeService, Name: changeService, Port: int(port)}); err != nil {
			break // the run's time is up
		}
		mu.Lock()
		inFlight = append(inFlight, &change{origin: origin.Name, port: port, at: at, pending: observers})
		bf.Changes++
		mu.Unlock()
		select {
		case <-r.ctx.Done():
		case <-tick.C:
		}
	}
	tick.Stop()
	stopPolling()
	<-polled
	for _, c := range inFlight {
		bf.Missed += len(c.pending)
	}
	bf.summarise()
	bf.RMR = rmr(st0, r.f.stats())
	fmt.Fprintf(r.s.progress, "broadcast: %d changes, delivery median %.3f s, p99 %.3f s; seen by all: p99 %.3f s; RMR %.2f\n",
		bf.Changes, bf.DeliveryP50S, bf.DeliveryP99S, bf.AllSeenP99S, bf.RMR)
	return nil
}

// deliver strikes off the observers that have seen c and reports whether
// c is done with: seen by all, or out of time.
func (r *clusterRun) deliver(c *change, bf *broadcastFigures) bool {
	at := time.Since(c.at).Seconds()
	c.pending = slices.DeleteFunc(c.pending, func(obs *daemon.ClusterNode) bool {
		rec, ok := obs.Agent().View().Catalog.Get(c.origin)
		if !ok || !hasChange(rec, c.port) {
			return false
		}
		bf.delays = append(bf.delays, at)
		return true
	})
	if len(c.pending) == 0 {
		bf.allSeen = append(bf.allSeen, at)
		return true
	}
	if at > deliveryLimit.Seconds() {
		bf.Missed += len(c.pending)
		return true
	}
	return false
}

// hasChange reports whether rec shows the change numbered port, or a
// later one.
func hasChange(rec catalog.Record, port uint16) bool {
	for _, s := range rec.Services {
		if s.ID == changeService {
			return s.Port >= port
		}
	}
	return false
}

// rmr is Plumtree's relative message redundancy between two sets of
// counters: payloads received per delivery of another node's broadcast,
// less one (0 is a perfect tree; Leitão et al., SRDS 2007, §4.1).
func rmr(before, after []node.AgentStats) float64 {
	var recv, delivered, own uint64
	for _, s := range after {
		p := s.Protocols.Plumtree
		recv, delivered, own = recv+p.GossipReceived, delivered+p.Delivered, own+p.Broadcasts
	}
	for _, s := range before {
		p := s.Protocols.Plumtree
		recv, delivered, own = recv-p.GossipReceived, delivered-p.Delivered, own-p.Broadcasts
	}
	if delivered <= own {
		return 0
	}
	return float64(recv)/float64(delivered-own) - 1
}

// queryPath is what the query scenario asks agent 0: the healthy
// instances of web, nearest first.
const queryPath = "/v1/health/service/web?passing=1&near=_agent"

// query loads agent 0's HTTP API with -c clients asking queryPath back to
// back for -duration, and times each answer.
func (r *clusterRun) query() error {
	r.s.setPhase("query")
	url := "http://" + r.f.node(0).APIAddr().String() + queryPath
	ctx, cancel := context.WithTimeout(r.ctx, r.p.duration)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: r.p.conc}}
	var mu sync.Mutex
	qf := &queryFigures{Clients: r.p.conc, Path: queryPath}
	var lat []float64
	t0 := time.Now()
	var wg sync.WaitGroup
	for range r.p.conc {
		wg.Go(func() {
			for ctx.Err() == nil {
				at := time.Now()
				ok := get(ctx, client, url)
				d := time.Since(at).Seconds()
				mu.Lock()
				switch {
				case ok:
					lat = append(lat, d)
				case ctx.Err() == nil:
					qf.Errors++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	qf.Requests = len(lat)
	qf.PerS = float64(len(lat)) / time.Since(t0).Seconds()
	if len(lat) > 0 {
		qf.P50ms, qf.P99ms = quantile(lat, 0.5)*1000, quantile(lat, 0.99)*1000
	}
	r.res.Query = qf
	fmt.Fprintf(r.s.progress, "query: %d answers, %.0f/s, p50 %.2f ms, p99 %.2f ms, %d errors\n", qf.Requests, qf.PerS, qf.P50ms, qf.P99ms, qf.Errors)
	return nil
}

// get asks url and reports whether it answered 200 with a body.
func get(ctx context.Context, c *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	return err == nil && resp.StatusCode == http.StatusOK && n > 0
}
