package hyparview

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

func newCodec(t testing.TB) *overlay.Codec {
	reg := overlay.NewRegistry()
	require.NoError(t, RegisterMessages(reg))
	c, err := overlay.NewCodec(overlay.Limits{}, reg)
	require.NoError(t, err)
	return c
}

func TestMessagesRoundTripThroughTheCodec(t *testing.T) {
	c := newCodec(t)
	for _, m := range []overlay.Message{
		Join{},
		ForwardJoin{Joiner: peer(3), TTL: 6},
		Neighbor{HighPriority: true, Seq: 9},
		NeighborReply{Accepted: true, Seq: 9},
		Disconnect{},
		Shuffle{Origin: peer(1), TTL: 4, Entries: peers(1, 2, 3)},
		ShuffleReply{Entries: peers(4, 5)},
	} {
		b, err := c.Marshal(m)
		require.NoError(t, err)
		got, err := c.Unmarshal(b)
		require.NoError(t, err)
		require.Equal(t, m, got)
	}
}

// FuzzDecodeStep feeds wire bytes through the codec into a node, as the
// runtime will: whatever decodes must re-encode to the same message, and
// stepping it from any peer must keep the view invariants.
func FuzzDecodeStep(f *testing.F) {
	c := newCodec(f)
	for _, m := range []overlay.Message{
		Join{}, ForwardJoin{Joiner: peer(3), TTL: 3}, Neighbor{HighPriority: true, Seq: 1},
		NeighborReply{Accepted: true, Seq: 1}, Disconnect{},
		Shuffle{Origin: peer(2), TTL: 1, Entries: peers(2, 5, 0)}, ShuffleReply{Entries: peers(6, 7)},
	} {
		b, err := c.Marshal(m)
		require.NoError(f, err)
		f.Add(b, uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, from uint8) {
		msg, err := c.Unmarshal(data)
		if err != nil {
			return
		}
		again, err := c.Marshal(msg)
		require.NoError(t, err)
		back, err := c.Unmarshal(again)
		require.NoError(t, err)
		require.Equal(t, normalize(msg), normalize(back))

		n := newTestNode(t, peers(1, 2), peers(3, 4), func(c *Config) { c.ActiveSize = 3; c.PassiveSize = 4 })
		tn := &testNet{t: t, nodes: []*Node{n}, dirty: []int{0}}
		n.Step(epoch, peer(int(from%8)), msg)
		n.Tick(epoch.Add(time.Minute))
		for _, o := range n.Ready().Messages {
			require.NotEqual(t, n.Self().ID, o.To.ID)
		}
		tn.checkInvariants(0)
	})
}

// normalize maps empty entry lists to nil, since omitempty drops them.
func normalize(m overlay.Message) overlay.Message {
	switch v := m.(type) {
	case Shuffle:
		if len(v.Entries) == 0 {
			v.Entries = nil
		}
		return v
	case ShuffleReply:
		if len(v.Entries) == 0 {
			v.Entries = nil
		}
		return v
	}
	return m
}

// fuzzPeer picks one of a few peers, the node itself (peer 0) or an
// invalid one, from a fuzz byte.
func fuzzPeer(b byte) overlay.Peer {
	switch k := int(b % 10); k {
	case 9:
		return overlay.Peer{Addr: "10.0.0.9:7946"} // no ID
	default:
		return peer(k)
	}
}

// fuzzMessage builds a HyParView message, or something that is not one,
// from fuzz bytes.
func fuzzMessage(next func() byte) overlay.Message {
	entries := func() []overlay.Peer {
		out := make([]overlay.Peer, next()%6)
		for i := range out {
			out[i] = fuzzPeer(next())
		}
		return out
	}
	switch next() % 9 {
	case 0:
		return Join{}
	case 1:
		return ForwardJoin{Joiner: fuzzPeer(next()), TTL: next()}
	case 2:
		return Neighbor{HighPriority: next()%2 == 0, Seq: uint32(next())}
	case 3:
		return NeighborReply{Accepted: next()%2 == 0, Seq: uint32(next())}
	case 4:
		return Disconnect{}
	case 5:
		return Shuffle{Origin: fuzzPeer(next()), TTL: next(), Entries: entries()}
	case 6:
		return ShuffleReply{Entries: entries()}
	case 7:
		return &Join{}
	default:
		return nil
	}
}

// FuzzStep drives a node with an arbitrary sequence of messages from
// arbitrary peers, failed peers, joins and ticks, and checks the view
// invariants after each input: never itself, never a peer twice, never
// over the view sizes, and never a message to itself.
func FuzzStep(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 0, 0, 2, 1, 1, 3, 5, 0, 2, 2, 1, 4, 3, 6, 2, 1, 2, 3, 4, 5})
	f.Add([]byte{3, 2, 0, 5, 4, 3, 3, 1, 2, 7, 1, 5, 3, 9, 4, 6, 1, 0, 0, 8, 5, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func() byte {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return b
		}
		n := newTestNode(t, peers(1, 2), peers(3, 4), func(c *Config) { c.ActiveSize = 3; c.PassiveSize = 4 })
		tn := &testNet{t: t, nodes: []*Node{n}}
		now := epoch
		for len(data) > 0 {
			switch next() % 5 {
			case 0, 1:
				n.Step(now, fuzzPeer(next()), fuzzMessage(next))
			case 2:
				n.PeerFailed(now, fuzzPeer(next()).ID)
			case 3:
				n.Join(fuzzPeer(next()))
			default:
				now = now.Add(time.Duration(next()) * 100 * time.Millisecond)
				n.Tick(now)
			}
			for _, o := range n.Ready().Messages {
				require.NotEqual(t, n.Self().ID, o.To.ID)
			}
			tn.dirty = []int{0}
			tn.checkInvariants(0)
		}
	})
}
