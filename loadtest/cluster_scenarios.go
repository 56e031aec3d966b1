package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

// waitPhase is waitUntil bounded by -phase-limit as well as the run's
// timeout, so that a phase that does not end leaves time for the next.
func (r *clusterRun) waitPhase(from time.Time, every time.Duration, cond func() bool) *float64 {
	ctx, cancel := context.WithTimeout(r.ctx, r.p.phaseLimit)
	defer cancel()
	return waitUntil(ctx, from, every, cond)
}

// pickNonSeeds draws k distinct agents up that are not seeds.
func (r *clusterRun) pickNonSeeds(k int) []int {
	idx, _ := r.f.nodes()
	idx = slices.DeleteFunc(idx, func(i int) bool { return i < r.p.seeds })
	r.rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
	out := idx[:min(k, len(idx))]
	slices.Sort(out)
	return out
}

// crash kills k agents at once and times, for every survivor and every
// victim, when the survivor's catalog first shows the victim dead.
func (r *clusterRun) crash() error {
	r.s.setPhase("crash")
	victims := r.pickNonSeeds(r.p.crash)
	names := make([]overlay.NodeID, len(victims))
	for j, i := range victims {
		names[j] = r.f.node(i).Name
	}
	r.f.kill(victims)
	t0 := time.Now()
	_, survivors := r.f.nodes()
	// seen[s][v] is when survivor s first showed victim v dead; -1 if it
	// already did before the crash (after an earlier scenario), which is
	// no detection.
	seen := make([][]float64, len(survivors))
	left, before := len(survivors)*len(victims), 0
	for s, obs := range survivors {
		seen[s] = make([]float64, len(victims))
		for v, name := range names {
			if sees(obs, name, catalog.Dead) {
				seen[s][v] = -1
				left--
				before++
			}
		}
	}
	all := r.waitPhase(t0, 100*time.Millisecond, func() bool {
		at := time.Since(t0).Seconds()
		for s, obs := range survivors {
			for v, name := range names {
				if seen[s][v] == 0 && sees(obs, name, catalog.Dead) {
					seen[s][v] = at
					left--
				}
			}
		}
		return left == 0
	})
	var times []float64
	for _, row := range seen {
		for _, t := range row {
			if t > 0 {
				times = append(times, t)
			}
		}
	}
	d := &detectFigures{Crashed: len(victims), Survivors: len(survivors), Pairs: len(survivors) * len(victims),
		DeadBefore: before, Seen: len(times), AllS: all, Times: times}
	if len(times) > 0 {
		d.MedianS, d.P99S, d.MaxS = quantile(times, 0.5), quantile(times, 0.99), slices.Max(times)
	}
	r.res.Detection = d
	fmt.Fprintf(r.s.progress, "crash of %d: every survivor shows them dead after %s\n", len(victims), secondsText(all))
	return nil
}

// partition splits the agents by the parity of their index, which cuts
// every datacenter in two, for -split; then heals, and times until every
// catalog shows everyone alive again.
func (r *clusterRun) partition() error {
	r.s.setPhase("split")
	side := func(i int) int8 { return int8(i % 2) }
	r.f.tap.partition(side)
	t0 := time.Now()
	idx, _ := r.f.nodes()
	sideSize := [2]int{}
	for _, i := range idx {
		sideSize[side(i)]++
	}
	crashed := r.p.n - len(idx) // dead already, by an earlier scenario
	pf := &partitionFigures{SplitS: r.p.split.Seconds()}
	r.res.Partition = pf
	// Each side should come to see the other dead within the split.
	deadline := t0.Add(r.p.split)
	pf.SidesSeeOtherDeadS = waitUntil(r.ctx, t0, 500*time.Millisecond, func() bool {
		if time.Now().After(deadline) {
			return true
		}
		_, nodes := r.f.nodes()
		for k, n := range nodes {
			s := n.Agent().Stats().Members
			if s.Dead != sideSize[1-side(idx[k])]+crashed {
				return false
			}
		}
		return true
	})
	if pf.SidesSeeOtherDeadS != nil && *pf.SidesSeeOtherDeadS >= r.p.split.Seconds() {
		pf.SidesSeeOtherDeadS = nil
	}
	if !pause(r.ctx, time.Until(deadline)) {
		return nil
	}
	r.s.setPhase("heal")
	r.f.tap.heal()
	t1 := time.Now()
	pf.HealS = r.waitPhase(t1, 100*time.Millisecond, func() bool { return r.f.allSeeAlive() })
	fmt.Fprintf(r.s.progress, "partition of %s: every catalog shows all %d alive %s after the heal\n", r.p.split, r.f.live(), secondsText(pf.HealS))
	return nil
}

// churnEvery spaces the rounds of the churn scenario.
const churnEvery = time.Minute

// churn restarts -churn % of the agents at the start of every minute, and
// times until every catalog shows all alive, the restarted ones at their
// new addresses.
func (r *clusterRun) churn() error {
	r.s.setPhase("churn")
	k := max(1, int(float64(r.p.n)*r.p.churnPct/100))
	for round := range r.p.churnRounds {
		t0 := time.Now()
		picked := r.pickNonSeeds(k)
		deaths0 := r.f.deathsDeclared(picked...)
		if err := r.f.restart(picked); err != nil {
			return err
		}
		want := make(map[overlay.NodeID]string, len(picked))
		for _, i := range picked {
			n := r.f.node(i)
			want[n.Name] = n.Transport().Self().Addr
		}
		back := r.waitPhase(t0, 200*time.Millisecond, func() bool {
			if !r.f.allSeeAlive() {
				return false
			}
			_, nodes := r.f.nodes()
			for _, obs := range nodes {
				for name, addr := range want {
					if rec, ok := obs.Agent().View().Catalog.Get(name); !ok || rec.Member.Addr != addr {
						return false
					}
				}
			}
			return true
		})
		r.res.Churn = append(r.res.Churn, churnRound{Round: round + 1, Restarted: len(picked), BackS: back, DeathsDeclared: r.f.deathsDeclared(picked...) - deaths0})
		fmt.Fprintf(r.s.progress, "churn round %d: %d restarted, all alive at their new addresses after %s\n", round+1, len(picked), secondsText(back))
		if back == nil || round == r.p.churnRounds-1 || !pause(r.ctx, time.Until(t0.Add(churnEvery))) {
			return nil
		}
	}
	return nil
}
