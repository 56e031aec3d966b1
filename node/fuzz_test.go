package node

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/hyparview"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/plumtree"
	"github.com/overlayd/overlayd/swim"
)

// FuzzCoreStep feeds wire bytes through a Core's codec into Step, from one
// of a few peers, the way the runtime will: whatever decodes must neither
// panic nor make the Core send to itself, and the Core keeps answering.
func FuzzCoreStep(f *testing.F) {
	self := overlay.Peer{ID: "self", Addr: "10.0.0.1:7946"}
	seedCore, err := New(t0, Config{Self: self, Datacenter: "dc1", Rand: rand.New(rand.NewPCG(1, 1))})
	require.NoError(f, err)
	other := overlay.Peer{ID: "other", Addr: "10.0.0.2:7946"}
	// A Core whose keys a CA binds, fed when from's bit 2 is set.
	ca, err := newTestCA()
	require.NoError(f, err)
	boundCfg, otherCfg := boundConfig(f, ca, self.ID, 1), boundConfig(f, ca, other.ID, 2)
	boundCfg.Self, otherCfg.Self = self, other
	for _, m := range []overlay.Message{
		hyparview.Join{}, hyparview.Shuffle{Origin: other, TTL: 1, Entries: []overlay.Peer{other}},
		plumtree.Gossip{Round: 1}, swim.Ping{Seq: 1},
		Digest{Buckets: make([]uint64, 64)}, SyncRequest{}, SampleRequest{Seq: 1},
		Records{Records: []catalog.Record{{Member: other, Incarnation: 1, Status: catalog.Dead}}, Want: []uint16{3, 70000 % 65536}},
		LivenessUpdate{Update: swim.Update{Member: self, Incarnation: 9, State: swim.StateDead}},
		Records{Records: []catalog.Record{memberRecord(f, "other", 2, 1)}},
		LivenessUpdate{Update: swim.Update{Member: other, Incarnation: 2, State: swim.StateSuspect, From: "third"}, Proof: memberRecord(f, "other", 2, 1)},
		SyncRequest{Members: []overlay.NodeID{"self", "other"}},
		Records{Records: []catalog.Record{ownRecordOf(f, otherCfg)}, Bindings: []overlay.RecordKeyBinding{*otherCfg.KeyBinding}},
	} {
		b, err := seedCore.Codec().Marshal(m)
		require.NoError(f, err)
		f.Add(b, uint8(0))
		f.Add(b, uint8(4))
	}
	f.Fuzz(func(t *testing.T, data []byte, from uint8) {
		cfg := Config{Self: self, Datacenter: "dc1"}
		if from&4 != 0 {
			cfg = boundCfg
		}
		cfg.Rand = rand.New(rand.NewPCG(1, 1))
		c, err := New(t0, cfg)
		require.NoError(t, err)
		msg, err := c.Codec().Unmarshal(data)
		if err != nil {
			return
		}
		peers := []overlay.Peer{other, {ID: "third", Addr: "10.0.0.3:7946"}, self}
		c.Step(t0, peers[int(from)%len(peers)], msg)
		c.Tick(t0.Add(time.Minute))
		for _, o := range c.Ready().Messages {
			require.NotEqual(t, self.ID, o.To.ID, "sent %T to itself", o.Msg)
		}
		r, ok := c.Member(self.ID)
		require.True(t, ok, "a Core always knows itself")
		require.Equal(t, self, r.Member)
	})
}
