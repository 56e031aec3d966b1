package main

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/daemon"
	"github.com/overlayd/overlayd/overlay"
)

// fleet is the agents of a real-cluster run, as the scenarios see them:
// which are up, and what each one's own view and counters say.
type fleet struct {
	c   *daemon.Cluster
	tap *tapNet
	ctx context.Context // the agents run until it ends

	mu sync.Mutex
	up []bool
}

// nodes returns the agents that are up, with their indices.
func (f *fleet) nodes() (idx []int, nodes []*daemon.ClusterNode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, n := range f.c.Nodes {
		if f.up[i] {
			idx = append(idx, i)
			nodes = append(nodes, n)
		}
	}
	return idx, nodes
}

func (f *fleet) node(i int) *daemon.ClusterNode {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.c.Nodes[i]
}

// live is the number of agents up.
func (f *fleet) live() int {
	idx, _ := f.nodes()
	return len(idx)
}

// kill crashes the agents: they stop without leaving, all at once.
func (f *fleet) kill(idx []int) {
	f.mu.Lock()
	var wg sync.WaitGroup
	for _, i := range idx {
		f.up[i] = false
		wg.Go(f.c.Nodes[i].Kill)
	}
	f.mu.Unlock()
	wg.Wait()
}

// restart crashes the agents and starts each again from its data
// directory, on a new socket.
func (f *fleet) restart(idx []int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, i := range idx {
		if err := f.c.Restart(f.ctx, i); err != nil {
			return err
		}
		f.up[i] = true
	}
	return nil
}

// stop kills every agent still up, all at once.
func (f *fleet) stop() {
	idx, _ := f.nodes()
	f.kill(idx)
}

// stats returns every live agent's counters.
func (f *fleet) stats() []node.AgentStats {
	_, nodes := f.nodes()
	out := make([]node.AgentStats, len(nodes))
	for i, n := range nodes {
		out[i] = n.Agent().Stats()
	}
	return out
}

// allSeeAlive reports whether every live agent's catalog shows every live
// agent alive (and so, at most the crashed ones otherwise).
func (f *fleet) allSeeAlive() bool {
	st := f.stats()
	for _, s := range st {
		if s.Members.Alive != len(st) {
			return false
		}
	}
	return true
}

// aliveSeen returns the least, the median and the most members any live
// agent's catalog shows alive.
func (f *fleet) aliveSeen() (least, median, most int) {
	st := f.stats()
	if len(st) == 0 {
		return 0, 0, 0
	}
	alive := make([]int, len(st))
	for i, s := range st {
		alive[i] = s.Members.Alive
	}
	slices.Sort(alive)
	return alive[0], alive[len(alive)/2], alive[len(alive)-1]
}

// isolated counts the live agents with no active peer.
func (f *fleet) isolated() int {
	_, nodes := f.nodes()
	k := 0
	for _, n := range nodes {
		if len(n.Agent().View().Active) == 0 {
			k++
		}
	}
	return k
}

// sees reports whether observer's catalog holds member in status.
func sees(observer *daemon.ClusterNode, member overlay.NodeID, status catalog.Status) bool {
	r, ok := observer.Agent().View().Catalog.Get(member)
	return ok && r.Status == status
}

// messagesSent sums the messages every live agent's transport sent.
func (f *fleet) messagesSent() uint64 {
	_, nodes := f.nodes()
	var n uint64
	for _, a := range nodes {
		for k, t := range a.Transport().Stats().Traffic {
			if k.Direction == overlay.DirectionOut {
				n += t.Messages
			}
		}
	}
	return n
}

// transportTrouble sums what the live agents' transports refused or
// dropped: connections refused by reason, Retries demanded, messages
// dropped at a peer's rate or from a full send queue.
func (f *fleet) transportTrouble() map[string]uint64 {
	_, nodes := f.nodes()
	out := map[string]uint64{}
	for _, n := range nodes {
		s := n.Transport().Stats()
		for reason, k := range s.Refused {
			out["refused_"+reason.String()] += k
		}
		out["retries_demanded"] += s.RetriesDemanded
		out["rate_limited"] += s.RateLimited
		for _, k := range s.QueueDrops {
			out["queue_drops"] += k
		}
	}
	for k, v := range out {
		if v == 0 {
			delete(out, k)
		}
	}
	return out
}

// deathsDeclared sums the dead verdicts the live agents declared, but for
// those in except (restarted, their counters began again).
func (f *fleet) deathsDeclared(except ...int) uint64 {
	idx, nodes := f.nodes()
	var n uint64
	for k, a := range nodes {
		if !slices.Contains(except, idx[k]) {
			n += a.Agent().Stats().Protocols.SWIM.DeadDeclared
		}
	}
	return n
}

// waitUntil polls cond every interval until it holds, and returns the time
// since from; nil if ctx ends first.
func waitUntil(ctx context.Context, from time.Time, every time.Duration, cond func() bool) *float64 {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if cond() {
			s := time.Since(from).Seconds()
			return &s
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// pause waits d, or until ctx ends; it reports whether d passed.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
