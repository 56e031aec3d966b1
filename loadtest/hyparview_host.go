package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/overlayd/overlayd/hyparview"
	"github.com/overlayd/overlayd/loadtest/sim"
	"github.com/overlayd/overlayd/overlay"
)

// hvCluster runs one hyparview.Node per simulated node and mirrors their
// active views into a graph of indices for flooding. An optional upper
// layer (a broadcast protocol) receives the view changes and every message
// that is not HyParView's.
type hvCluster struct {
	net   *sim.Network
	nodes []*hyparview.Node
	index map[overlay.NodeID]int32
	adj   graph
	up    []bool
	upper upperLayer
}

// upperLayer is a protocol that runs on top of the HyParView active views.
type upperLayer interface {
	neighborUp(i int, p overlay.Peer)
	neighborDown(i int, p overlay.Peer)
	deliver(i, from int, msg overlay.Message)
	tick(i int)
}

// hvPeer is the identity of simulated node i.
func hvPeer(i int) overlay.Peer {
	id := overlay.NodeID(fmt.Sprintf("n%d", i))
	return overlay.Peer{ID: id, Addr: string(id)}
}

// newHVCluster wires nodes into net; nodes[i] must be hvPeer(i). The graph
// and the network's connections start from the nodes' active views.
func newHVCluster(net *sim.Network, nodes []*hyparview.Node) *hvCluster {
	c := &hvCluster{net: net, index: make(map[overlay.NodeID]int32, len(nodes))}
	for _, n := range nodes {
		c.add(n)
	}
	for i, n := range nodes {
		for _, p := range n.Active() {
			j := c.index[p.ID]
			c.adj[i] = append(c.adj[i], j)
			net.Connect(i, int(j))
		}
	}
	return c
}

// cloneCluster returns a copy of base on a new network built from cfg, whose
// clock starts where base's stands. Node i of the copy draws randomness from
// (seed, i). base must be quiet: messages in flight are not copied.
func cloneCluster(base *hvCluster, cfg sim.Config, seed uint64) (*hvCluster, error) {
	cfg.Start = base.net.Now()
	net, err := sim.New(cfg)
	if err != nil {
		return nil, err
	}
	nodes := make([]*hyparview.Node, len(base.nodes))
	for i, n := range base.nodes {
		nodes[i] = n.Clone(rand.New(rand.NewPCG(seed, uint64(i))))
	}
	return newHVCluster(net, nodes), nil
}

// crashFraction crashes f percent of the nodes, chosen by seed.
func (c *hvCluster) crashFraction(f int, seed uint64) {
	order := rand.New(rand.NewPCG(seed, 0)).Perm(len(c.nodes))
	for _, i := range order[:len(c.nodes)*f/100] {
		c.crash(i)
	}
}

// newHVNode returns a fresh node i seeded from seed.
func newHVNode(i int, seed uint64, cfg hyparview.Config) *hyparview.Node {
	cfg.Self = hvPeer(i)
	cfg.Rand = rand.New(rand.NewPCG(seed, uint64(i)))
	n, err := hyparview.New(cfg)
	if err != nil {
		panic(err) // the experiment's own config; validated before use
	}
	return n
}

// add appends a fresh node to the cluster and returns its index.
func (c *hvCluster) add(n *hyparview.Node) int {
	i := len(c.nodes)
	c.nodes = append(c.nodes, n)
	c.index[n.Self().ID] = int32(i)
	c.adj = append(c.adj, nil)
	c.up = append(c.up, true)
	c.net.Add(hvHost{c: c, i: i})
	return i
}

func (c *hvCluster) crash(i int) {
	c.up[i] = false
	c.net.Crash(i)
}

// flush sends node i's outputs through the network and applies its view
// changes to the graph.
func (c *hvCluster) flush(i int) {
	rd := c.nodes[i].Ready()
	for _, e := range rd.Events {
		switch e := e.(type) {
		case hyparview.NeighborUp:
			j := c.index[e.Peer.ID]
			c.adj[i] = append(c.adj[i], j)
			c.net.Connect(i, int(j))
			if c.upper != nil {
				c.upper.neighborUp(i, e.Peer)
			}
		case hyparview.NeighborDown:
			j := c.index[e.Peer.ID]
			c.adj[i] = removeIndex(c.adj[i], j)
			c.net.Disconnect(i, int(j))
			if c.upper != nil {
				c.upper.neighborDown(i, e.Peer)
			}
		case hyparview.Isolated:
			c.rejoin(i)
		}
	}
	for _, o := range rd.Messages {
		c.net.Send(i, int(c.index[o.To.ID]), o.Msg, 0)
	}
}

// rejoin makes isolated node i join again through a random live node, as
// overlayd's runtime does with its seeds and the members of its catalog
// (trying dead ones fails at once and moves on, so only a live one counts).
func (c *hvCluster) rejoin(i int) {
	rng := c.net.Rand()
	for range len(c.nodes) {
		j := rng.IntN(len(c.nodes))
		if j != i && c.up[j] {
			c.nodes[i].Join(hvPeer(j))
			c.flush(i)
			return
		}
	}
}

func (c *hvCluster) tick(i int) {
	c.nodes[i].Tick(c.net.Now())
	c.flush(i)
	if c.upper != nil {
		c.upper.tick(i)
	}
}

func (c *hvCluster) peerFailed(i, peer int) {
	c.nodes[i].PeerFailed(c.net.Now(), c.nodes[peer].Self().ID)
	c.flush(i)
}

// startTicking ticks every live node every period, at staggered phases,
// until stop returns true.
func (c *hvCluster) startTicking(period time.Duration, stop func() bool) {
	rng := c.net.Rand()
	for i := range c.nodes {
		if !c.up[i] {
			continue
		}
		var tick func()
		tick = func() {
			if stop() {
				return
			}
			c.tick(i)
			c.net.AfterNode(i, period, tick)
		}
		c.net.AfterNode(i, time.Duration(rng.Int64N(int64(period))), tick)
	}
}

func removeIndex(xs []int32, x int32) []int32 {
	for k, v := range xs {
		if v == x {
			return append(xs[:k], xs[k+1:]...)
		}
	}
	return xs
}

// hvHost adapts node i of a cluster to sim.Handler.
type hvHost struct {
	c *hvCluster
	i int
}

func (h hvHost) Deliver(from int, msg any) {
	m := msg.(overlay.Message)
	if m.Protocol() != overlay.ProtoHyParView {
		h.c.upper.deliver(h.i, from, m)
		return
	}
	h.c.nodes[h.i].Step(h.c.net.Now(), h.c.nodes[from].Self(), m)
	h.c.flush(h.i)
}

func (h hvHost) SendFailed(to int, _ any) { h.c.peerFailed(h.i, to) }

func (h hvHost) ConnectionLost(peer int) { h.c.peerFailed(h.i, peer) }
