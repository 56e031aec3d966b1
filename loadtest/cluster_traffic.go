package main

import (
	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/daemon"
	"github.com/overlayd/overlayd/overlay"
)

// trafficSent sums what the live agents' transports sent, by message kind
// (protocol and type; a Gossip is not opened, the transport does not see
// inside it).
func (f *fleet) trafficSent(codec *overlay.Codec) traffic {
	_, nodes := f.nodes()
	return trafficSentBy(nodes, codec)
}

// seedTrafficSent is trafficSent of the first k agents, the seeds, up or
// not.
func (f *fleet) seedTrafficSent(k int, codec *overlay.Codec) traffic {
	f.mu.Lock()
	seeds := f.c.Nodes[:min(k, len(f.c.Nodes))]
	f.mu.Unlock()
	return trafficSentBy(seeds, codec)
}

func trafficSentBy(nodes []*daemon.ClusterNode, codec *overlay.Codec) traffic {
	t := traffic{}
	for _, n := range nodes {
		for k, tr := range n.Transport().Stats().Traffic {
			if k.Direction != overlay.DirectionOut {
				continue
			}
			kind := k.Protocol.String() + "." + codec.MessageName(k.Protocol, k.Type)
			c := t[kind]
			c.Msgs += tr.Messages
			c.Bytes += tr.Bytes
			t[kind] = c
		}
	}
	return t
}

// minus returns t less an earlier count of the same agents.
func (t traffic) minus(before traffic) traffic {
	out := traffic{}
	for k, c := range t {
		b := before[k]
		out[k] = trafficCount{Msgs: c.Msgs - b.Msgs, Bytes: c.Bytes - b.Bytes}
	}
	return out
}

// topTraffic is how many kinds of message a report lists.
const topTraffic = 8

// newNamingCodec returns a codec that names every message an agent sends.
func newNamingCodec() (*overlay.Codec, error) { return node.NewCodec() }
