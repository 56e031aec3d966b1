package hyparview

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

func TestJoinSendsJoinToContact(t *testing.T) {
	n := newTestNode(t, nil, nil)
	n.Join(peer(9))
	rd := n.Ready()
	require.Equal(t, []overlay.Message{Join{}}, sent(rd, peer(9)))

	n.Join(peer(0)) // itself
	n.Join(overlay.Peer{})
	assert.Empty(t, n.Ready().Messages)
	assert.Equal(t, uint64(2), n.Stats().Ignored)
}

func TestHandleJoin(t *testing.T) {
	t.Run("room in the view", func(t *testing.T) {
		n := newTestNode(t, peers(1, 2), nil)
		n.Step(epoch, peer(7), Join{})
		rd := n.Ready()
		assert.Equal(t, peers(1, 2, 7), n.Active())
		assert.Equal(t, []Event{NeighborUp{Peer: peer(7)}}, rd.Events)
		assert.Equal(t, []overlay.Message{Neighbor{HighPriority: true, Seq: 1}}, sent(rd, peer(7)))
		for _, p := range peers(1, 2) {
			assert.Equal(t, []overlay.Message{ForwardJoin{Joiner: peer(7), TTL: DefaultARWL}}, sent(rd, p))
		}
	})
	t.Run("full view evicts a random peer to the passive view", func(t *testing.T) {
		n := newTestNode(t, peers(1, 2, 3, 4, 5), nil)
		n.Step(epoch, peer(7), Join{})
		rd := n.Ready()
		require.Len(t, n.Active(), DefaultActiveSize)
		assert.Contains(t, n.Active(), peer(7))
		disconnects, to := ofType[Disconnect](rd)
		require.Len(t, disconnects, 1)
		victim := to[0]
		assert.Equal(t, []overlay.Peer{victim}, n.Passive())
		assert.Equal(t, []Event{NeighborDown{Peer: victim}, NeighborUp{Peer: peer(7)}}, rd.Events)
		fj, _ := ofType[ForwardJoin](rd)
		assert.Len(t, fj, DefaultActiveSize-1, "every other active peer starts a walk")
		assert.Equal(t, uint64(1), n.Stats().Evictions)
	})
}

func TestHandleForwardJoin(t *testing.T) {
	joiner := peer(7)
	tests := []struct {
		name        string
		active      []overlay.Peer
		ttl         uint8
		wantActive  bool
		wantPassive bool
		wantForward uint8 // TTL of the forwarded walk; 0 when it ends here
	}{
		{"ttl zero ends the walk", peers(1, 2, 3), 0, true, false, 0},
		{"only the sender as peer ends the walk", peers(1), 5, true, false, 0},
		{"ttl = PRWL adds to passive and forwards", peers(1, 2, 3), DefaultPRWL, false, true, DefaultPRWL - 1},
		{"other ttl forwards only", peers(1, 2, 3), 5, false, false, 4},
		{"ttl above ARWL is clamped", peers(1, 2, 3), 200, false, false, DefaultARWL - 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, tc.active, nil)
			n.Step(epoch, peer(1), ForwardJoin{Joiner: joiner, TTL: tc.ttl})
			rd := n.Ready()
			assert.Equal(t, tc.wantActive, contains(n.Active(), joiner.ID), "joiner in active view")
			assert.Equal(t, tc.wantPassive, contains(n.Passive(), joiner.ID), "joiner in passive view")
			fj, to := ofType[ForwardJoin](rd)
			if tc.wantForward == 0 && tc.wantActive {
				assert.Empty(t, fj)
				assert.Equal(t, []overlay.Message{Neighbor{HighPriority: true, Seq: 1}}, sent(rd, joiner))
				return
			}
			require.Len(t, fj, 1)
			assert.Equal(t, tc.wantForward, fj[0].TTL)
			assert.NotEqual(t, peer(1).ID, to[0].ID, "never back to the sender")
			assert.NotEqual(t, joiner.ID, to[0].ID)
		})
	}
	t.Run("walk about this node itself is dropped", func(t *testing.T) {
		n := newTestNode(t, peers(1, 2), nil)
		n.Step(epoch, peer(1), ForwardJoin{Joiner: peer(0), TTL: 3})
		assert.Empty(t, n.Ready().Messages)
	})
	t.Run("malformed joiner is ignored", func(t *testing.T) {
		n := newTestNode(t, peers(1, 2), nil)
		n.Step(epoch, peer(1), ForwardJoin{TTL: 3})
		assert.Empty(t, n.Ready().Messages)
		assert.Equal(t, uint64(1), n.Stats().Ignored)
	})
}

func TestHandleNeighbor(t *testing.T) {
	tests := []struct {
		name       string
		active     []overlay.Peer
		high       bool
		wantAccept bool
		wantEvict  bool
	}{
		{"low priority with room", peers(1, 2), false, true, false},
		{"low priority when full", peers(1, 2, 3, 4, 5), false, false, false},
		{"high priority when full evicts", peers(1, 2, 3, 4, 5), true, true, true},
		{"high priority with room", nil, true, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, tc.active, peers(8))
			n.Step(epoch, peer(8), Neighbor{HighPriority: tc.high, Seq: 42})
			rd := n.Ready()
			replies, _ := ofType[NeighborReply](rd)
			require.Equal(t, []NeighborReply{{Accepted: tc.wantAccept, Seq: 42}}, replies, "the reply echoes the request's Seq")
			assert.Equal(t, tc.wantAccept, contains(n.Active(), peer(8).ID))
			assert.Equal(t, !tc.wantAccept, contains(n.Passive(), peer(8).ID), "an accepted peer leaves the passive view")
			disconnects, _ := ofType[Disconnect](rd)
			assert.Equal(t, tc.wantEvict, len(disconnects) == 1)
			assert.LessOrEqual(t, len(n.Active()), DefaultActiveSize)
		})
	}
	t.Run("from a peer already active is accepted again", func(t *testing.T) {
		n := newTestNode(t, peers(1, 2, 3, 4, 5), nil)
		n.Step(epoch, peer(3), Neighbor{Seq: 5})
		rd := n.Ready()
		assert.Equal(t, []overlay.Message{NeighborReply{Accepted: true, Seq: 5}}, sent(rd, peer(3)))
		assert.Empty(t, rd.Events)
	})
}

func TestRepairAfterFailure(t *testing.T) {
	n := newTestNode(t, peers(1, 2), peers(3, 4, 5))
	n.PeerFailed(epoch, peer(1).ID)
	rd := n.Ready()
	assert.Equal(t, []Event{NeighborDown{Peer: peer(1)}}, rd.Events)
	reqs, to := ofType[Neighbor](rd)
	require.Len(t, reqs, 1)
	assert.False(t, reqs[0].HighPriority, "one peer left: low priority")
	first := to[0]

	// A rejection moves on to another passive peer.
	n.Step(epoch, first, NeighborReply{Accepted: false, Seq: reqs[0].Seq})
	rd = n.Ready()
	reqs, to = ofType[Neighbor](rd)
	require.Len(t, to, 1)
	second := to[0]
	assert.NotEqual(t, first.ID, second.ID)
	assert.Contains(t, n.Passive(), first, "a peer that refused stays in the passive view")

	// An acceptance fills the slot, and with the view still below capacity
	// the repair goes on with a passive peer that has not refused.
	n.Step(epoch, second, NeighborReply{Accepted: true, Seq: reqs[0].Seq})
	rd = n.Ready()
	assert.Equal(t, []Event{NeighborUp{Peer: second}}, rd.Events)
	assert.ElementsMatch(t, []overlay.Peer{peer(2), second}, n.Active())
	assert.NotContains(t, n.Passive(), second)
	_, to = ofType[Neighbor](rd)
	require.Len(t, to, 1)
	assert.NotContains(t, []overlay.NodeID{first.ID, second.ID}, to[0].ID)
}

func TestRepairWithEmptyActiveViewIsHighPriority(t *testing.T) {
	n := newTestNode(t, peers(1), peers(3))
	n.PeerFailed(epoch, peer(1).ID)
	reqs, to := ofType[Neighbor](n.Ready())
	require.Len(t, reqs, 1)
	assert.True(t, reqs[0].HighPriority, "no active peer left: high priority")
	assert.Equal(t, peer(3), to[0])

	// The requested peer is unreachable too: it is forgotten, and the node,
	// knowing nobody, reports that it must join again.
	n.PeerFailed(epoch, peer(3).ID)
	rd := n.Ready()
	assert.Empty(t, rd.Messages)
	assert.Empty(t, n.Passive())
	assert.Equal(t, []Event{Isolated{}}, rd.Events)

	// It says so again at every shuffle interval until it has a peer.
	n.Tick(epoch)
	n.Ready()
	n.Tick(epoch.Add(DefaultShuffleInterval))
	assert.Equal(t, []Event{Isolated{}}, n.Ready().Events)
	n.Step(epoch, peer(4), Neighbor{HighPriority: true})
	n.Tick(epoch.Add(2 * DefaultShuffleInterval))
	assert.NotContains(t, n.Ready().Events, Event(Isolated{}))
}

func TestNeighborReplyNobodyWaitsFor(t *testing.T) {
	t.Run("stale acceptance is undone", func(t *testing.T) {
		n := newTestNode(t, peers(1), nil)
		n.Step(epoch, peer(4), NeighborReply{Accepted: true})
		assert.Equal(t, []overlay.Message{Disconnect{}}, sent(n.Ready(), peer(4)))
	})
	t.Run("acceptance after the view filled up is undone", func(t *testing.T) {
		n := newTestNode(t, peers(1, 2, 3, 4), peers(9))
		n.Tick(epoch) // asks 9
		reqs, to := ofType[Neighbor](n.Ready())
		require.Equal(t, []overlay.Peer{peer(9)}, to)
		n.Step(epoch, peer(5), Neighbor{HighPriority: true}) // fills the view meanwhile
		n.Ready()
		n.Step(epoch, peer(9), NeighborReply{Accepted: true, Seq: reqs[0].Seq})
		assert.Equal(t, []overlay.Message{Disconnect{}}, sent(n.Ready(), peer(9)))
		assert.NotContains(t, n.Active(), peer(9))
	})
}

func TestStaleRepliesAreMatchedBySeq(t *testing.T) {
	n := newTestNode(t, peers(1), peers(3))
	n.Tick(epoch)
	reqs, _ := ofType[Neighbor](n.Ready())
	require.Len(t, reqs, 1)
	current := reqs[0].Seq

	// An acceptance of an older request while a newer one is outstanding
	// changes nothing: the newer answer settles it.
	n.Step(epoch, peer(3), NeighborReply{Accepted: true, Seq: current - 1})
	assert.Empty(t, n.Ready().Messages)
	assert.NotContains(t, n.Active(), peer(3))

	// A stale rejection does not cancel the outstanding request either.
	n.Step(epoch, peer(3), NeighborReply{Accepted: false, Seq: current - 1})
	n.Step(epoch, peer(3), NeighborReply{Accepted: true, Seq: current})
	assert.Contains(t, n.Active(), peer(3))
	assert.Empty(t, sent(n.Ready(), peer(3)))
}

func TestNeighborTimeoutCancelsAndMovesOn(t *testing.T) {
	n := newTestNode(t, peers(1), peers(3, 4))
	n.Tick(epoch)
	_, to := ofType[Neighbor](n.Ready())
	require.Len(t, to, 1)
	first := to[0]

	n.Tick(epoch.Add(DefaultNeighborTimeout - time.Millisecond))
	assert.Empty(t, sent(n.Ready(), first), "not yet timed out")

	n.Tick(epoch.Add(DefaultNeighborTimeout))
	rd := n.Ready()
	assert.Equal(t, []overlay.Message{Disconnect{}}, sent(rd, first), "the request is cancelled")
	_, to = ofType[Neighbor](rd)
	require.Len(t, to, 1)
	assert.NotEqual(t, first.ID, to[0].ID)
	assert.Equal(t, uint64(1), n.Stats().NeighborTimeouts)
}

func TestHandleDisconnect(t *testing.T) {
	n := newTestNode(t, peers(1, 2), nil)
	n.Step(epoch, peer(1), Disconnect{})
	rd := n.Ready()
	assert.Equal(t, peers(2), n.Active())
	assert.Equal(t, peers(1), n.Passive())
	assert.Equal(t, []Event{NeighborDown{Peer: peer(1)}}, rd.Events)
	// Repair may ask the peer that just left, which accepts only with room.
	reqs, _ := ofType[Neighbor](rd)
	require.Len(t, reqs, 1)
	assert.False(t, reqs[0].HighPriority)

	n.Step(epoch, peer(6), Disconnect{}) // not active: nothing to do
	assert.Empty(t, n.Ready().Events)
}

func TestShuffleStart(t *testing.T) {
	n := newTestNode(t, peers(1, 2, 3, 4, 5), peers(10, 11, 12, 13, 14, 15))
	n.Tick(epoch)
	n.Tick(epoch.Add(DefaultShuffleInterval)) // the first shuffle is due within one interval
	shuffles, to := ofType[Shuffle](n.Ready())
	require.Len(t, shuffles, 1)
	s := shuffles[0]
	assert.Equal(t, peer(0), s.Origin)
	assert.Equal(t, uint8(DefaultARWL), s.TTL)
	require.Len(t, s.Entries, 1+DefaultShuffleActive+DefaultShufflePassive)
	assert.Equal(t, peer(0), s.Entries[0], "the sender is the first entry")
	assert.NotContains(t, s.Entries, to[0], "the target is not sent its own entry")
	for _, e := range s.Entries[1 : 1+DefaultShuffleActive] {
		assert.Contains(t, n.Active(), e)
	}
	for _, e := range s.Entries[1+DefaultShuffleActive:] {
		assert.Contains(t, n.Passive(), e)
	}

	n.Tick(epoch.Add(DefaultShuffleInterval + time.Second))
	shuffles, _ = ofType[Shuffle](n.Ready())
	assert.Empty(t, shuffles, "one shuffle per interval")
}

func TestHandleShuffle(t *testing.T) {
	origin := peer(20)
	entries := []overlay.Peer{origin, peer(21), peer(22)}
	t.Run("forwards while the walk lasts", func(t *testing.T) {
		n := newTestNode(t, peers(1, 2, 3), nil)
		n.Step(epoch, peer(1), Shuffle{Origin: origin, TTL: 4, Entries: entries})
		shuffles, to := ofType[Shuffle](n.Ready())
		require.Len(t, shuffles, 1)
		assert.Equal(t, uint8(3), shuffles[0].TTL)
		assert.NotEqual(t, peer(1).ID, to[0].ID)
		assert.Empty(t, n.Passive())
	})
	t.Run("ends the walk and answers the origin", func(t *testing.T) {
		n := newTestNode(t, peers(1, 2, 3), peers(10, 11, 12, 13))
		n.Step(epoch, peer(1), Shuffle{Origin: origin, TTL: 1, Entries: entries})
		replies, to := ofType[ShuffleReply](n.Ready())
		require.Len(t, replies, 1)
		assert.Equal(t, origin, to[0], "the reply goes straight to the origin")
		assert.Len(t, replies[0].Entries, len(entries))
		for _, e := range entries {
			assert.Contains(t, n.Passive(), e)
		}
	})
	t.Run("full passive view evicts what was sent back first", func(t *testing.T) {
		n := newTestNode(t, peers(1), peers(10, 11, 12), func(c *Config) { c.PassiveSize = 3 })
		n.Step(epoch, peer(1), Shuffle{Origin: origin, TTL: 1, Entries: entries})
		replies, _ := ofType[ShuffleReply](n.Ready())
		require.Len(t, replies, 1)
		assert.ElementsMatch(t, entries, n.Passive(), "the three entries sent back made room")
		assert.ElementsMatch(t, peers(10, 11, 12), replies[0].Entries)
	})
	t.Run("too many entries is ignored", func(t *testing.T) {
		n := newTestNode(t, peers(1), nil)
		big := make([]overlay.Peer, maxShuffleEntries+1)
		for i := range big {
			big[i] = peer(100 + i)
		}
		n.Step(epoch, peer(1), Shuffle{Origin: origin, TTL: 1, Entries: big})
		assert.Empty(t, n.Ready().Messages)
		assert.Empty(t, n.Passive())
		assert.Equal(t, uint64(1), n.Stats().Ignored)
	})
}

func TestHandleShuffleReplyEvictsSentEntriesFirst(t *testing.T) {
	n := newTestNode(t, peers(1, 2), peers(10, 11, 12, 13), func(c *Config) {
		c.PassiveSize = 4
		c.ShuffleActive = 1
		c.ShufflePassive = 2
	})
	n.Tick(epoch)
	n.Tick(epoch.Add(DefaultShuffleInterval))
	shuffles, _ := ofType[Shuffle](n.Ready())
	require.Len(t, shuffles, 1)
	var sentPassive []overlay.Peer
	for _, e := range shuffles[0].Entries {
		if contains(n.Passive(), e.ID) {
			sentPassive = append(sentPassive, e)
		}
	}
	require.Len(t, sentPassive, 2)

	n.Step(epoch, peer(30), ShuffleReply{Entries: peers(30, 31)})
	p := n.Passive()
	assert.Contains(t, p, peer(30))
	assert.Contains(t, p, peer(31))
	for _, e := range sentPassive {
		assert.NotContains(t, p, e, "entries sent in the shuffle are replaced first")
	}
}

func TestStepIgnoresBadInput(t *testing.T) {
	n := newTestNode(t, peers(1), nil)
	n.Step(epoch, peer(0), Join{})         // from itself
	n.Step(epoch, overlay.Peer{}, Join{})  // no identity
	n.Step(epoch, peer(1), otherMessage{}) // another protocol's message
	assert.Empty(t, n.Ready().Messages)
	assert.Equal(t, uint64(3), n.Stats().Ignored)
	assert.Equal(t, peers(1), n.Active())
}

type otherMessage struct{}

func (otherMessage) Protocol() overlay.Protocol { return overlay.ProtoSWIM }
func (otherMessage) Type() overlay.MsgType      { return 1 }

func contains(ps []overlay.Peer, id overlay.NodeID) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}
