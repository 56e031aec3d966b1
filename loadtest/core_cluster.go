package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/overlayd/overlayd/loadtest/sim"
	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/overlay"
)

// coreCluster runs one node.Core per simulated node. Every message is
// counted in the network's statistics at its encoded size on the wire (the
// codec's envelope plus the 4-byte frame header).
type coreCluster struct {
	net   *sim.Network
	cores []*node.Core
	index map[overlay.NodeID]int32
	up    []bool

	// probeLoss drops this fraction of SWIM's messages, which overlayd
	// sends as datagrams; the other protocols ride on streams, whose
	// losses QUIC retransmits.
	probeLoss float64
	lossRand  *rand.Rand
	// slow delays the handling of every message by a node, when set.
	slow []time.Duration
	// traffic, when set, counts every message sent by kind.
	traffic traffic
}

// corePeer is the identity of simulated node i.
func corePeer(i int) overlay.Peer {
	id := overlay.NodeID(fmt.Sprintf("node-%05d", i))
	return overlay.Peer{ID: id, Addr: string(id)}
}

// newCoreCluster creates n Cores on net, in datacenters dc-0 … dc-(dcs-1)
// by index, and ticks each every tick at a staggered phase.
func newCoreCluster(net *sim.Network, n, dcs int, seed uint64, tick time.Duration) (*coreCluster, error) {
	return newTunedCoreCluster(net, n, dcs, seed, tick, node.Config{})
}

// newTunedCoreCluster is newCoreCluster with every Core configured as tune
// (its zero fields the defaults), apart from the identity, datacenter and
// random stream.
func newTunedCoreCluster(net *sim.Network, n, dcs int, seed uint64, tick time.Duration, tune node.Config) (*coreCluster, error) {
	c := &coreCluster{net: net, index: make(map[overlay.NodeID]int32, n)}
	for i := 0; i < n; i++ {
		cfg := tune
		cfg.Self, cfg.Datacenter, cfg.Rand = corePeer(i), fmt.Sprintf("dc-%d", i%dcs), rand.New(rand.NewPCG(seed, uint64(i)))
		core, err := node.New(net.Now(), cfg)
		if err != nil {
			return nil, err
		}
		c.cores = append(c.cores, core)
		c.up = append(c.up, true)
		c.index[core.Self().ID] = int32(i)
		net.Add(coreHost{c: c, i: i})
	}
	rng := net.Rand()
	for i := range c.cores {
		var step func()
		step = func() {
			c.cores[i].Tick(net.Now())
			c.flush(i)
			net.AfterNode(i, tick, step)
		}
		net.AfterNode(i, time.Duration(rng.Int64N(int64(tick))), step)
	}
	return c, nil
}

// flush sends node i's outputs through the network.
func (c *coreCluster) flush(i int) {
	rd := c.cores[i].Ready()
	for _, e := range rd.Events {
		switch e := e.(type) {
		case node.Connect:
			c.net.Connect(i, int(c.index[e.Peer.ID]))
		case node.Release:
			c.net.Disconnect(i, int(c.index[e.Peer.ID]))
		}
	}
	codec := c.cores[i].Codec()
	for _, o := range rd.Messages {
		if c.probeLoss > 0 && o.Msg.Protocol() == overlay.ProtoSWIM && c.lossRand.Float64() < c.probeLoss {
			continue
		}
		size, err := codec.EncodedSize(o.Msg)
		if err != nil {
			panic(fmt.Sprintf("node %d sent a message it cannot encode: %v", i, err))
		}
		if c.traffic != nil {
			c.traffic.add(codec, o.Msg, size+overlay.FrameHeaderLen)
		}
		c.net.Send(i, int(c.index[o.To.ID]), o.Msg, size+overlay.FrameHeaderLen)
	}
}

func (c *coreCluster) crash(i int) {
	c.up[i] = false
	c.net.Crash(i)
}

// coreHost adapts node i of a coreCluster to sim.Handler.
type coreHost struct {
	c *coreCluster
	i int
}

func (h coreHost) Deliver(from int, msg any) {
	step := func() {
		h.c.cores[h.i].Step(h.c.net.Now(), h.c.cores[from].Self(), msg.(overlay.Message))
		h.c.flush(h.i)
	}
	if h.c.slow != nil && h.c.slow[h.i] > 0 {
		h.c.net.AfterNode(h.i, h.c.slow[h.i], step) // a fixed delay keeps each link's order
		return
	}
	step()
}

func (h coreHost) SendFailed(to int, _ any) { h.peerFailed(to) }

func (h coreHost) ConnectionLost(peer int) { h.peerFailed(peer) }

func (h coreHost) peerFailed(peer int) {
	h.c.cores[h.i].PeerFailed(h.c.net.Now(), h.c.cores[peer].Self().ID)
	h.c.flush(h.i)
}
