package plumtree

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/stretchr/testify/require"
)

// fuzzInput reads a fuzz input as a stream of small choices; it yields
// zeros once exhausted.
type fuzzInput struct{ data []byte }

func (in *fuzzInput) more() bool { return len(in.data) > 0 }

func (in *fuzzInput) byte() byte {
	if len(in.data) == 0 {
		return 0
	}
	b := in.data[0]
	in.data = in.data[1:]
	return b
}

func (in *fuzzInput) uint64() uint64 {
	var buf [8]byte
	for i := range buf {
		buf[i] = in.byte()
	}
	return binary.BigEndian.Uint64(buf[:])
}

// Peers the fuzzer picks from: neighbours-to-be, the node itself and an
// invalid (empty) peer.
var fuzzPeers = []overlay.NodeID{"a", "b", "c", "d", self, ""}

func (in *fuzzInput) peer() overlay.Peer {
	return peer(fuzzPeers[int(in.byte())%len(fuzzPeers)])
}

// id picks among a few IDs, the zero ID, and the node's own first ones, so
// that inputs collide with known messages often.
func (in *fuzzInput) id(n *Node) MessageID {
	switch k := in.byte() % 8; {
	case k == 0:
		return MessageID{}
	case k < 5:
		return mid(uint64(k))
	default:
		g := idGenerator{epoch: n.ids.epoch}
		for range k - 4 {
			g.next()
		}
		return g.next()
	}
}

func (in *fuzzInput) round() int { return int(int16(in.byte())<<8|int16(in.byte())) * 3 }

func (in *fuzzInput) message(n *Node) overlay.Message {
	switch in.byte() % 7 {
	case 0:
		return Gossip{ID: in.id(n), Round: in.round(), Payload: make([]byte, in.byte()%40)}
	case 1:
		entries := make([]IHaveEntry, in.byte()%6)
		for i := range entries {
			entries[i] = IHaveEntry{ID: in.id(n), Round: in.round(), Waited: time.Duration(int64(in.uint64()))}
		}
		return IHave{Entries: entries}
	case 2:
		return Graft{ID: in.id(n)}
	case 3:
		return Prune{}
	case 4:
		return foreignMessage{}
	case 5:
		return &Gossip{ID: in.id(n), Round: 1}
	default:
		return nil
	}
}

// FuzzStep drives a node with arbitrary inputs from arbitrary peers and
// checks that it never panics, that the eager and lazy sets stay disjoint,
// never hold the node itself, and hold exactly the current neighbours, and
// that it only ever sends to neighbours.
func FuzzStep(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 1, 0, 2, 2, 0, 0, 1, 0, 5, 3, 1, 1, 1, 0, 7, 6, 200})
	f.Add([]byte{0, 2, 2, 3, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 255, 6, 255, 2, 3, 2, 2})
	f.Add([]byte{0, 0, 0, 1, 5, 0, 0, 1, 0, 3, 4, 1, 0, 0, 2, 0, 4, 1, 3, 2, 0, 1, 6, 100})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &fuzzInput{data: data}
		cfg := testConfig(self, 7)
		cfg.MaxIHaveEntries = 4
		cfg.MaxMissing = 3
		cfg.MaxCacheEntries = 3
		cfg.MaxCacheBytes = 64
		cfg.MaxSeenEntries = 5
		cfg.CacheTTL = 2 * time.Second
		cfg.GraftTimeout = 200 * ms
		cfg.SecondGraftTimeout = 100 * ms
		cfg.IHaveFlushInterval = time.Duration(in.byte()%3) * 50 * ms
		cfg.OptimizationThreshold = int(in.byte()%4) - 1
		cfg.LatencyOptimization = in.byte()%2 == 0
		if cfg.LatencyOptimization && in.byte()%2 == 0 {
			cfg.EstimateRTT = func(id overlay.NodeID) (time.Duration, bool) {
				return time.Duration(len(id)) * 7 * ms, id != "d"
			}
		}
		n, err := New(cfg)
		require.NoError(t, err)

		neighbours := map[overlay.NodeID]bool{}
		now := t0
		for in.more() {
			switch in.byte() % 6 {
			case 0:
				p := in.peer()
				n.NeighborUp(now, p)
				if p.Validate() == nil && p.ID != self {
					neighbours[p.ID] = true
				}
			case 1:
				id := in.peer().ID
				n.NeighborDown(now, id)
				delete(neighbours, id)
			case 2, 3:
				n.Step(now, in.peer(), in.message(n))
			case 4:
				now = now.Add(time.Duration(in.byte()) * 10 * ms)
				n.Tick(now)
			default:
				n.Broadcast(now, make([]byte, in.byte()%40))
			}
			requireInvariants(t, n)
			sets := append(idsOf(n.Eager()), idsOf(n.Lazy())...)
			require.Len(t, sets, len(neighbours))
			for _, id := range sets {
				require.True(t, neighbours[id], "%s in a set but not a neighbour", id)
			}
			for _, o := range n.Ready().Messages {
				require.True(t, neighbours[o.To.ID], "sent to non-neighbour %q", o.To.ID)
			}
		}
	})
}

// FuzzDecodeStep feeds whatever the codec decodes from arbitrary bytes to
// a node, from a neighbour.
func FuzzDecodeStep(f *testing.F) {
	codec := newCodec(f)
	for _, m := range []overlay.Message{
		Gossip{ID: mid(1), Round: 1, Payload: []byte("x")},
		IHave{Entries: []IHaveEntry{{ID: mid(2), Round: 2, Waited: ms}}},
		Graft{ID: mid(1)},
		Prune{},
	} {
		data, err := codec.Marshal(m)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := codec.Unmarshal(data)
		if err != nil {
			return
		}
		n := newTestNode(t, nil, []overlay.NodeID{"a"}, []overlay.NodeID{"c"})
		n.Step(t0, peer("a"), msg)
		n.Step(t0, peer("c"), msg)
		n.Tick(t0.Add(time.Minute))
		requireInvariants(t, n)
	})
}
