package memtransport_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/clock"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/overlay/memtransport"
	"github.com/overlayd/overlayd/plumtree"
	"github.com/overlayd/overlayd/swim"
)

var (
	alice = overlay.Peer{ID: "alice", Addr: "a:1"}
	bob   = overlay.Peer{ID: "bob", Addr: "b:1"}
	carol = overlay.Peer{ID: "carol", Addr: "c:1"}
)

// classify makes SWIM's messages datagrams of membership priority and
// Plumtree's IHAVE lazy, like node.Classify.
func classify(m overlay.Message) overlay.Class {
	switch m.Protocol() {
	case overlay.ProtoSWIM:
		return overlay.Class{Priority: overlay.PriorityMembership, Datagram: true}
	case overlay.ProtoPlumtree:
		if m.Type() == plumtree.TypeIHave {
			return overlay.Class{Priority: overlay.PriorityLazy}
		}
	}
	return overlay.Class{Priority: overlay.PriorityPayload}
}

func newNetwork(t *testing.T, cfg memtransport.Config) *memtransport.Network {
	t.Helper()
	reg := overlay.NewRegistry()
	require.NoError(t, swim.RegisterMessages(reg))
	require.NoError(t, plumtree.RegisterMessages(reg))
	codec, err := overlay.NewCodec(overlay.Limits{}, reg)
	require.NoError(t, err)
	cfg.Codec, cfg.Classifier = codec, classify
	n, err := memtransport.New(cfg)
	require.NoError(t, err)
	return n
}

func attach(t *testing.T, n *memtransport.Network, p overlay.Peer) *memtransport.Transport {
	t.Helper()
	tr, err := n.Attach(p)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close(context.Background()) })
	return tr
}

// next returns the transport's next event, failing after a while.
func next(t *testing.T, tr *memtransport.Transport) overlay.TransportEvent {
	t.Helper()
	select {
	case ev := <-tr.Events():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
		return nil
	}
}

// none asserts that nothing is waiting for tr's reader.
func none(t *testing.T, n *memtransport.Network, tr *memtransport.Transport) {
	t.Helper()
	require.NoError(t, n.WaitIdle(context.Background()))
	select {
	case ev := <-tr.Events():
		t.Fatalf("unexpected event %#v", ev)
	default:
	}
}

func TestDeliversInOrderAsBytesAndCounts(t *testing.T) {
	n := newNetwork(t, memtransport.Config{})
	a, b := attach(t, n, alice), attach(t, n, bob)
	for seq := uint32(1); seq <= 3; seq++ {
		a.Send(bob, swim.Ping{Seq: seq})
	}
	for seq := uint32(1); seq <= 3; seq++ {
		ev := next(t, b)
		assert.Equal(t, overlay.Received{From: alice, Msg: swim.Ping{Seq: seq}}, ev)
	}
	none(t, n, b)
	assert.Equal(t, uint64(3), b.Delivered())

	out, in := a.Stats(), b.Stats()
	ping := func(d overlay.Direction) overlay.TrafficKey {
		return overlay.TrafficKey{Protocol: overlay.ProtoSWIM, Type: swim.TypePing, Direction: d}
	}
	require.Len(t, out.Traffic, 1)
	require.Len(t, in.Traffic, 1)
	sent, received := out.Traffic[ping(overlay.DirectionOut)], in.Traffic[ping(overlay.DirectionIn)]
	assert.Equal(t, uint64(3), sent.Messages)
	assert.Equal(t, sent, received, "what leaves arrives")
	assert.Greater(t, received.Bytes, uint64(3*overlay.FrameHeaderLen))
}

func TestUnreachablePeersFail(t *testing.T) {
	n := newNetwork(t, memtransport.Config{})
	a := attach(t, n, alice)
	attach(t, n, bob)

	a.Send(carol, swim.Ping{Seq: 1})
	assert.Equal(t, carol.ID, next(t, a).(overlay.PeerFailed).ID, "nobody at carol's address")

	a.Send(overlay.Peer{ID: "mallory", Addr: bob.Addr}, swim.Ping{Seq: 1})
	assert.Equal(t, overlay.NodeID("mallory"), next(t, a).(overlay.PeerFailed).ID, "bob answers at that address, not mallory")
	assert.Equal(t, map[overlay.RefusalReason]uint64{overlay.RefusedNameMismatch: 1}, a.Stats().Refused)

	got, err := a.Identify(context.Background(), bob.Addr)
	require.NoError(t, err)
	assert.Equal(t, bob, got)
	_, err = a.Identify(context.Background(), carol.Addr)
	assert.ErrorIs(t, err, memtransport.ErrUnreachable)

	_, err = n.Attach(overlay.Peer{ID: "bob2", Addr: bob.Addr})
	assert.ErrorIs(t, err, memtransport.ErrAddressInUse)
}

func TestAFullQueueDropsTheLowestPriorityOldestFirst(t *testing.T) {
	n := newNetwork(t, memtransport.Config{QueueLen: 4})
	a, b, c := attach(t, n, alice), attach(t, n, bob), attach(t, n, carol)
	// Nobody reads b yet. Carol's message arrives first, so b's pump holds
	// it and leaves alice's queue alone.
	c.Send(bob, swim.Ping{Seq: 0})
	a.Send(bob, swim.Ping{Seq: 1})
	a.Send(bob, plumtree.IHave{Entries: []plumtree.IHaveEntry{{Round: 1}}})
	a.Send(bob, plumtree.IHave{Entries: []plumtree.IHaveEntry{{Round: 2}}})
	a.Send(bob, plumtree.Gossip{Round: 1})
	for seq := uint32(2); seq <= 5; seq++ {
		a.Send(bob, swim.Ping{Seq: seq}) // drops both IHAVEs, the gossip, then ping 1
	}
	a.Send(bob, plumtree.IHave{Entries: []plumtree.IHaveEntry{{Round: 3}}}) // below everything queued: dropped
	var got []overlay.Message
	for len(got) < 5 {
		got = append(got, next(t, b).(overlay.Received).Msg)
	}
	none(t, n, b)
	assert.Equal(t, map[overlay.Priority]uint64{overlay.PriorityLazy: 3, overlay.PriorityPayload: 1, overlay.PriorityMembership: 1}, a.Stats().QueueDrops)
	assert.Equal(t, []overlay.Message{swim.Ping{Seq: 0}, swim.Ping{Seq: 2}, swim.Ping{Seq: 3}, swim.Ping{Seq: 4}, swim.Ping{Seq: 5}}, got)
}

func TestPartitionAndCrashFailKeptPeers(t *testing.T) {
	n := newNetwork(t, memtransport.Config{})
	a, b, c := attach(t, n, alice), attach(t, n, bob), attach(t, n, carol)
	a.Keep(bob)
	a.Keep(carol)
	none(t, n, a)

	n.Partition([]string{alice.Addr})
	failed := map[overlay.NodeID]bool{}
	failed[next(t, a).(overlay.PeerFailed).ID] = true
	failed[next(t, a).(overlay.PeerFailed).ID] = true
	assert.Equal(t, map[overlay.NodeID]bool{bob.ID: true, carol.ID: true}, failed)
	b.Send(alice, swim.Ping{Seq: 1})
	assert.Equal(t, alice.ID, next(t, b).(overlay.PeerFailed).ID)
	_, err := a.Identify(context.Background(), bob.Addr)
	assert.ErrorIs(t, err, memtransport.ErrUnreachable)

	n.Heal()
	b.Send(alice, swim.Ping{Seq: 2})
	assert.Equal(t, overlay.Received{From: bob, Msg: swim.Ping{Seq: 2}}, next(t, a))

	c.Keep(bob)
	n.Crash(bob.Addr)
	assert.Equal(t, bob.ID, next(t, c).(overlay.PeerFailed).ID, "carol kept a connection to bob")
	_, open := <-b.Events()
	assert.False(t, open, "a crashed transport's events end")
	a.Send(bob, swim.Ping{Seq: 3})
	assert.Equal(t, bob.ID, next(t, a).(overlay.PeerFailed).ID)

	b2 := attach(t, n, bob)
	a.Send(bob, swim.Ping{Seq: 4})
	assert.Equal(t, overlay.Received{From: alice, Msg: swim.Ping{Seq: 4}}, next(t, b2), "bob came back at its address")
}

func TestLatencyRunsOnTheClockAndLossOnlyStrikesDatagrams(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
	n := newNetwork(t, memtransport.Config{Latency: 5 * time.Millisecond, AfterFunc: func(d time.Duration, f func()) { fake.AfterFunc(d, f) }})
	a, b := attach(t, n, alice), attach(t, n, bob)
	a.Send(bob, swim.Ping{Seq: 1})
	fake.Advance(4 * time.Millisecond)
	none(t, n, b)
	fake.Advance(time.Millisecond)
	assert.Equal(t, overlay.Received{From: alice, Msg: swim.Ping{Seq: 1}}, next(t, b))

	n.SetLink(alice.Addr, bob.Addr, memtransport.Link{Loss: 1})
	b.Send(alice, swim.Ping{Seq: 2})         // a datagram: lost
	b.Send(alice, plumtree.Gossip{Round: 1}) // a stream: retransmitted, so delivered
	assert.Equal(t, overlay.Received{From: bob, Msg: plumtree.Gossip{Round: 1}}, next(t, a))
	none(t, n, a)
}

func TestCloseEndsEventsAndFreesTheAddress(t *testing.T) {
	n := newNetwork(t, memtransport.Config{})
	a, b := attach(t, n, alice), attach(t, n, bob)
	b.Keep(alice)
	a.Send(bob, swim.Ping{Seq: 1})
	require.NoError(t, a.Close(context.Background()))
	assert.Equal(t, overlay.Received{From: alice, Msg: swim.Ping{Seq: 1}}, next(t, b), "what was sent before Close arrives")
	assert.Equal(t, alice.ID, next(t, b).(overlay.PeerFailed).ID, "bob kept a connection to alice")
	_, open := <-a.Events()
	assert.False(t, open)
	a.Send(bob, swim.Ping{Seq: 2}) // ignored
	none(t, n, b)
	_, err := a.Identify(context.Background(), bob.Addr)
	assert.ErrorIs(t, err, memtransport.ErrClosed)
	attach(t, n, alice)
}

// A graceful close delivers what was sent before it, on links with latency
// too, before the keepers hear the peer is gone; a crash does not wait.
func TestCloseDeliversBeforeItFails(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
	n := newNetwork(t, memtransport.Config{Latency: 5 * time.Millisecond, AfterFunc: func(d time.Duration, f func()) { fake.AfterFunc(d, f) }})
	a, b, c := attach(t, n, alice), attach(t, n, bob), attach(t, n, carol)
	b.Keep(alice)
	b.Keep(carol)
	a.Send(bob, swim.Ping{Seq: 1})
	require.NoError(t, a.Close(context.Background()))
	none(t, n, b)
	fake.Advance(5 * time.Millisecond)
	assert.Equal(t, overlay.Received{From: alice, Msg: swim.Ping{Seq: 1}}, next(t, b))
	assert.Equal(t, alice.ID, next(t, b).(overlay.PeerFailed).ID)

	c.Send(bob, swim.Ping{Seq: 2})
	n.Crash(carol.Addr)
	assert.Equal(t, carol.ID, next(t, b).(overlay.PeerFailed).ID, "a crash is noticed at once")
	fake.Advance(5 * time.Millisecond)
	assert.Equal(t, overlay.Received{From: carol, Msg: swim.Ping{Seq: 2}}, next(t, b), "what was on the wire still lands")
}
