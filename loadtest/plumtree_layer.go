package main

import (
	"math/rand/v2"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/plumtree"
)

// ptLayer runs one plumtree.Node on top of every HyParView node of a
// cluster and accounts for each broadcast: payload messages, deliveries,
// hops and times.
type ptLayer struct {
	c      *hvCluster
	nodes  []*plumtree.Node
	bcasts map[plumtree.MessageID]*bcast
}

// bcast is what one broadcast cost and achieved.
type bcast struct {
	origin    int
	sentAt    time.Time
	payloads  int // GOSSIP messages that reached a live node, resends included
	delivered int // nodes that delivered it, the origin included
	lastAt    time.Time
	lastHop   int // round of the last delivery
}

// rmr is the relative message redundancy m/(n−1) − 1 of the Plumtree paper,
// with m the payload messages received and n the nodes that delivered.
func (b *bcast) rmr() float64 {
	if b.delivered < 2 {
		return 0
	}
	return float64(b.payloads)/float64(b.delivered-1) - 1
}

// attachPlumtree starts a plumtree.Node on every node of c, with the
// current active views as neighbours. Node i's randomness comes from seed.
func attachPlumtree(c *hvCluster, cfg plumtree.Config, seed uint64) *ptLayer {
	l := &ptLayer{c: c, bcasts: map[plumtree.MessageID]*bcast{}}
	now := c.net.Now()
	for i, hv := range c.nodes {
		cfg.Self = hv.Self().ID
		cfg.Rand = rand.New(rand.NewPCG(seed, uint64(i)))
		n, err := plumtree.New(cfg)
		if err != nil {
			panic(err) // the experiment's own config, validated before use
		}
		for _, p := range hv.Active() {
			n.NeighborUp(now, p)
		}
		l.nodes = append(l.nodes, n)
	}
	c.upper = l
	for i := range l.nodes {
		l.flush(i)
	}
	return l
}

func (l *ptLayer) neighborUp(i int, p overlay.Peer) {
	l.nodes[i].NeighborUp(l.c.net.Now(), p)
	l.flush(i)
}

func (l *ptLayer) neighborDown(i int, p overlay.Peer) {
	l.nodes[i].NeighborDown(l.c.net.Now(), p.ID)
	l.flush(i)
}

func (l *ptLayer) deliver(i, from int, msg overlay.Message) {
	if g, ok := msg.(plumtree.Gossip); ok {
		if b := l.bcasts[g.ID]; b != nil {
			b.payloads++
		}
	}
	l.nodes[i].Step(l.c.net.Now(), l.c.nodes[from].Self(), msg)
	l.flush(i)
}

func (l *ptLayer) tick(i int) {
	l.nodes[i].Tick(l.c.net.Now())
	l.flush(i)
}

// flush sends node i's messages and records its deliveries.
func (l *ptLayer) flush(i int) {
	rd := l.nodes[i].Ready()
	now := l.c.net.Now()
	for _, e := range rd.Events {
		d, ok := e.(plumtree.Deliver)
		if !ok {
			continue
		}
		if b := l.bcasts[d.ID]; b != nil {
			b.delivered++
			b.lastAt = now
			b.lastHop = max(b.lastHop, d.Round)
		}
	}
	for _, o := range rd.Messages {
		l.c.net.Send(i, int(l.c.index[o.To.ID]), o.Msg, 0)
	}
}

// broadcast sends one message from origin and runs the network until every
// live node has delivered it or timeout has passed.
func (l *ptLayer) broadcast(origin int, timeout time.Duration) *bcast {
	net := l.c.net
	b := &bcast{origin: origin, sentAt: net.Now()}
	id := l.nodes[origin].Broadcast(net.Now(), []byte("overlayd"))
	l.bcasts[id] = b
	l.flush(origin)
	live := len(liveNodes(l.c.up))
	deadline := b.sentAt.Add(timeout)
	for b.delivered < live && net.Now().Before(deadline) && net.Step() {
	}
	return b
}

// randomLive returns a uniformly random live node.
func (c *hvCluster) randomLive(rng *rand.Rand) int {
	for {
		if i := rng.IntN(len(c.nodes)); c.up[i] {
			return i
		}
	}
}
