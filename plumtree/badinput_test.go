package plumtree

import (
	"testing"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/stretchr/testify/assert"
)

// foreignMessage belongs to another protocol.
type foreignMessage struct{}

func (foreignMessage) Protocol() overlay.Protocol { return overlay.ProtoSWIM }
func (foreignMessage) Type() overlay.MsgType      { return TypeGossip }

// TestBadInputIsIgnoredAndCounted checks that each kind of bad input
// changes nothing but its counter, on a node with eager neighbour a, lazy
// neighbour c and one received message.
func TestBadInputIsIgnoredAndCounted(t *testing.T) {
	known := mid(1)
	entries := func(k int) []IHaveEntry {
		out := make([]IHaveEntry, k)
		for i := range out {
			out[i] = IHaveEntry{ID: mid(uint64(100 + i)), Round: 1}
		}
		return out
	}
	tests := []struct {
		name    string
		from    overlay.Peer
		msg     overlay.Message
		counter func(Stats) uint64
	}{
		{"GOSSIP over MaxPayloadBytes", peer("a"), Gossip{ID: mid(2), Round: 1, Payload: make([]byte, DefaultMaxPayloadBytes+1)}, func(s Stats) uint64 { return s.OversizeGossips }},
		{"GOSSIP from self", peer(self), Gossip{ID: mid(2), Round: 1}, func(s Stats) uint64 { return s.FromSelf }},
		{"PRUNE from self", peer(self), Prune{}, func(s Stats) uint64 { return s.FromSelf }},
		{"sender with empty ID", overlay.Peer{Addr: "x:1"}, Prune{}, func(s Stats) uint64 { return s.InvalidSender }},
		{"sender with oversized ID", peer(overlay.NodeID(make([]byte, overlay.MaxNodeIDLen+1))), Prune{}, func(s Stats) uint64 { return s.InvalidSender }},
		{"nil message", peer("a"), nil, func(s Stats) uint64 { return s.WrongType }},
		{"message of another protocol", peer("a"), foreignMessage{}, func(s Stats) uint64 { return s.WrongType }},
		{"pointer instead of value", peer("a"), &Prune{}, func(s Stats) uint64 { return s.WrongType }},
		{"IHAVE from non-neighbour", peer("stranger"), IHave{Entries: entries(1)}, func(s Stats) uint64 { return s.NotNeighbor }},
		{"IHAVE with too many entries", peer("c"), IHave{Entries: entries(DefaultMaxIHaveEntries + 1)}, func(s Stats) uint64 { return s.TooManyEntries }},
		{"empty IHAVE", peer("c"), IHave{}, func(s Stats) uint64 { return s.Malformed }},
		{"IHAVE entry with zero ID", peer("c"), IHave{Entries: []IHaveEntry{{Round: 1}}}, func(s Stats) uint64 { return s.Malformed }},
		{"IHAVE entry with round zero", peer("c"), IHave{Entries: []IHaveEntry{{ID: mid(9)}}}, func(s Stats) uint64 { return s.Malformed }},
		{"IHAVE entry with negative wait", peer("c"), IHave{Entries: []IHaveEntry{{ID: mid(9), Round: 1, Waited: -time.Second}}}, func(s Stats) uint64 { return s.Malformed }},
		{"IHAVE entry waiting longer than CacheTTL", peer("c"), IHave{Entries: []IHaveEntry{{ID: mid(9), Round: 1, Waited: DefaultCacheTTL + 1}}}, func(s Stats) uint64 { return s.Malformed }},
		{"GRAFT for unknown ID", peer("c"), Graft{ID: mid(9)}, func(s Stats) uint64 { return s.GraftUnknownID }},
		{"GRAFT from non-neighbour", peer("stranger"), Graft{ID: known}, func(s Stats) uint64 { return s.NotNeighbor }},
		{"PRUNE from non-neighbour", peer("stranger"), Prune{}, func(s Stats) uint64 { return s.NotNeighbor }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t, nil, []overlay.NodeID{"a"}, []overlay.NodeID{"c"})
			n.Step(t0, peer("a"), Gossip{ID: known, Round: 1})
			n.Ready()
			before := n.Stats()

			n.Step(t0, tt.from, tt.msg)
			n.Tick(t0.Add(time.Hour)) // no timer may have been started

			assert.Equal(t, Ready{}, n.Ready())
			requireSets(t, n, []overlay.NodeID{"a"}, []overlay.NodeID{"c"})
			after := n.Stats()
			assert.Equal(t, tt.counter(before)+1, tt.counter(after))
			assert.Zero(t, after.MissingCount)
		})
	}
}

func TestBadNotificationsAreIgnoredAndCounted(t *testing.T) {
	n := newTestNode(t, nil, []overlay.NodeID{"a"}, nil)
	n.NeighborUp(t0, peer(self))
	n.NeighborUp(t0, overlay.Peer{})
	n.NeighborDown(t0, "nobody")
	requireSets(t, n, []overlay.NodeID{"a"}, nil)
	assert.Equal(t, uint64(3), n.Stats().BadNotifications)
}

func TestNeighborUpTwiceKeepsRoleAndRefreshesAddress(t *testing.T) {
	n := newTestNode(t, nil, nil, []overlay.NodeID{"c"})
	n.NeighborUp(t0, overlay.Peer{ID: "c", Addr: "new:1"})
	assert.Equal(t, []overlay.Peer{{ID: "c", Addr: "new:1"}}, n.Lazy())
	assert.Empty(t, n.Eager())
}
