package plumtree

import (
	"testing"

	"github.com/overlayd/overlayd/overlay"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGossip covers the GOSSIP handler on a node with eager neighbours a
// and b and lazy neighbour c.
func TestGossip(t *testing.T) {
	payload := []byte("record")
	first := Gossip{ID: mid(1), Round: 2, Payload: payload}
	tests := []struct {
		name          string
		before        []Gossip // processed and drained first, from `from`
		from          overlay.NodeID
		msg           Gossip
		wantDeliver   bool
		wantSent      sent
		wantEager     []overlay.NodeID
		wantLazy      []overlay.NodeID
		wantDuplicate uint64
		wantNotNeigh  uint64
		wantMalformed uint64
	}{
		{
			name:        "first copy from eager peer is delivered, pushed to other eager peers, announced to lazy ones",
			from:        "a",
			msg:         first,
			wantDeliver: true,
			wantSent:    sent{Gossip: []overlay.NodeID{"b"}, IHave: []overlay.NodeID{"c"}},
			wantEager:   []overlay.NodeID{"a", "b"},
			wantLazy:    []overlay.NodeID{"c"},
		},
		{
			name:        "first copy from lazy peer makes it eager",
			from:        "c",
			msg:         first,
			wantDeliver: true,
			wantSent:    sent{Gossip: []overlay.NodeID{"a", "b"}},
			wantEager:   []overlay.NodeID{"a", "b", "c"},
		},
		{
			name:          "duplicate from eager peer answers PRUNE and makes it lazy",
			before:        []Gossip{first},
			from:          "b",
			msg:           first,
			wantSent:      sent{Prune: []overlay.NodeID{"b"}},
			wantEager:     []overlay.NodeID{"a"},
			wantLazy:      []overlay.NodeID{"b", "c"},
			wantDuplicate: 1,
		},
		{
			name:          "duplicate from the peer that sent the first copy still prunes it",
			before:        []Gossip{first},
			from:          "a",
			msg:           first,
			wantSent:      sent{Prune: []overlay.NodeID{"a"}},
			wantEager:     []overlay.NodeID{"b"},
			wantLazy:      []overlay.NodeID{"a", "c"},
			wantDuplicate: 1,
		},
		{
			name:         "first copy from non-neighbour is delivered and pushed but changes no set",
			from:         "stranger",
			msg:          first,
			wantDeliver:  true,
			wantSent:     sent{Gossip: []overlay.NodeID{"a", "b"}, IHave: []overlay.NodeID{"c"}},
			wantEager:    []overlay.NodeID{"a", "b"},
			wantLazy:     []overlay.NodeID{"c"},
			wantNotNeigh: 1,
		},
		{
			name:          "duplicate from non-neighbour is not answered",
			before:        []Gossip{first},
			from:          "stranger",
			msg:           first,
			wantEager:     []overlay.NodeID{"a", "b"},
			wantLazy:      []overlay.NodeID{"c"},
			wantDuplicate: 1,
			wantNotNeigh:  1,
		},
		{
			name:          "zero ID is malformed",
			from:          "a",
			msg:           Gossip{Round: 1, Payload: payload},
			wantEager:     []overlay.NodeID{"a", "b"},
			wantLazy:      []overlay.NodeID{"c"},
			wantMalformed: 1,
		},
		{
			name:          "round zero is malformed",
			from:          "a",
			msg:           Gossip{ID: mid(1), Payload: payload},
			wantEager:     []overlay.NodeID{"a", "b"},
			wantLazy:      []overlay.NodeID{"c"},
			wantMalformed: 1,
		},
		{
			name:          "round beyond maxRound is malformed",
			from:          "a",
			msg:           Gossip{ID: mid(1), Round: maxRound + 1},
			wantEager:     []overlay.NodeID{"a", "b"},
			wantLazy:      []overlay.NodeID{"c"},
			wantMalformed: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t, nil, []overlay.NodeID{"a", "b"}, []overlay.NodeID{"c"})
			for _, g := range tt.before {
				n.Step(t0, peer("a"), g)
			}
			n.Ready()

			n.Step(t0, peer(tt.from), tt.msg)
			rd := n.Ready()

			assert.Equal(t, tt.wantSent, summarize(rd))
			requireSets(t, n, tt.wantEager, tt.wantLazy)
			st := n.Stats()
			assert.Equal(t, tt.wantDuplicate, st.Duplicates)
			assert.Equal(t, tt.wantNotNeigh, st.NotNeighbor)
			assert.Equal(t, tt.wantMalformed, st.Malformed)
			if !tt.wantDeliver {
				assert.Empty(t, deliveries(rd))
				return
			}
			assert.Equal(t, []Deliver{{ID: tt.msg.ID, Payload: payload, Round: tt.msg.Round, From: tt.from}}, deliveries(rd))
			_, gossips := messagesOf[Gossip](rd)
			for _, g := range gossips {
				assert.Equal(t, Gossip{ID: tt.msg.ID, Round: tt.msg.Round + 1, Payload: payload}, g)
			}
			_, ihaves := messagesOf[IHave](rd)
			for _, ih := range ihaves {
				assert.Equal(t, []IHaveEntry{{ID: tt.msg.ID, Round: tt.msg.Round + 1}}, ih.Entries)
			}
		})
	}
}

func TestBroadcastDeliversLocallyAndPushes(t *testing.T) {
	n := newTestNode(t, nil, []overlay.NodeID{"a", "b"}, []overlay.NodeID{"c"})
	buf := []byte("mine")
	id := n.Broadcast(t0, buf)
	buf[0] = 'X' // the node copied the payload
	rd := n.Ready()

	assert.Equal(t, []Deliver{{ID: id, Payload: []byte("mine"), Round: 0, From: self}}, deliveries(rd))
	assert.Equal(t, sent{Gossip: []overlay.NodeID{"a", "b"}, IHave: []overlay.NodeID{"c"}}, summarize(rd))
	_, gossips := messagesOf[Gossip](rd)
	assert.Equal(t, Gossip{ID: id, Round: 1, Payload: []byte("mine")}, gossips[0])

	// Our own message coming back is a duplicate: the link is pruned and
	// nothing is delivered twice.
	n.Step(t0, peer("b"), Gossip{ID: id, Round: 3, Payload: []byte("mine")})
	rd = n.Ready()
	assert.Empty(t, deliveries(rd))
	assert.Equal(t, sent{Prune: []overlay.NodeID{"b"}}, summarize(rd))
	st := n.Stats()
	assert.Equal(t, uint64(1), st.Broadcasts)
	assert.Equal(t, uint64(1), st.Delivered)
}

func TestReadyDrains(t *testing.T) {
	n := newTestNode(t, nil, []overlay.NodeID{"a"}, nil)
	n.Broadcast(t0, []byte("x"))
	require.NotEmpty(t, n.Ready().Messages)
	assert.Equal(t, Ready{}, n.Ready())
}
