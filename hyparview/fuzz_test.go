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
