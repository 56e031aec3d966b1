package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/plumtree"
)

// trafficCount is what one kind of message cost, in messages and bytes on
// the wire.
type trafficCount struct {
	Msgs  uint64 `json:"msgs"`
	Bytes uint64 `json:"bytes"`
}

// traffic counts the messages a cluster sends by kind: the protocol and
// message type, and for a Plumtree Gossip also the catalog message it
// carries ("plumtree.Gossip/RecordUpdate"), since every broadcast travels
// as a Gossip, with a liveness update's state.
type traffic map[string]trafficCount

// add counts one message of size bytes.
func (t traffic) add(codec *overlay.Codec, msg overlay.Message, size int) {
	kind := msg.Protocol().String() + "." + codec.MessageName(msg.Protocol(), msg.Type())
	if g, ok := msg.(plumtree.Gossip); ok {
		if inner, err := codec.Unmarshal(g.Payload); err == nil {
			kind += "/" + codec.MessageName(inner.Protocol(), inner.Type())
			if l, ok := inner.(node.LivenessUpdate); ok {
				kind += "(" + l.Update.State.String() + ")"
			}
		}
	}
	c := t[kind]
	c.Msgs++
	c.Bytes += uint64(size)
	t[kind] = c
}

// trafficShare is one row of a breakdown: a kind's cost per node per
// second, and its share of all bytes.
type trafficShare struct {
	Kind          string  `json:"kind"`
	MsgsPerNodeS  float64 `json:"msgs_per_node_s"`
	BytesPerNodeS float64 `json:"bytes_per_node_s"`
	ByteShare     float64 `json:"byte_share"`
}

// breakdown turns counts over nodeSeconds (nodes × seconds) into rows per
// node per second, the most bytes first.
func (t traffic) breakdown(nodeSeconds float64) []trafficShare {
	var total uint64
	for _, c := range t {
		total += c.Bytes
	}
	rows := make([]trafficShare, 0, len(t))
	for _, k := range slices.Sorted(maps.Keys(t)) {
		c := t[k]
		rows = append(rows, trafficShare{Kind: k, MsgsPerNodeS: float64(c.Msgs) / nodeSeconds,
			BytesPerNodeS: float64(c.Bytes) / nodeSeconds, ByteShare: float64(c.Bytes) / float64(max(total, 1))})
	}
	slices.SortStableFunc(rows, func(a, b trafficShare) int { return cmp.Compare(b.BytesPerNodeS, a.BytesPerNodeS) })
	return rows
}

func printTraffic(w io.Writer, title string, rows []trafficShare) {
	fmt.Fprintf(w, "%-40s %10s %10s %7s\n", title, "B/s", "msg/s", "bytes")
	for _, r := range rows {
		fmt.Fprintf(w, "%-40s %10.1f %10.3f %6.1f%%\n", r.Kind, r.BytesPerNodeS, r.MsgsPerNodeS, 100*r.ByteShare)
	}
}
