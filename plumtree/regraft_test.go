package plumtree

import (
	"testing"

	"github.com/overlayd/overlayd/overlay"
	"github.com/stretchr/testify/assert"
)

// TestRegraft covers the tree's repair when a neighbour goes down, on a
// node with eager neighbours a and b and lazy neighbours c and d.
func TestRegraft(t *testing.T) {
	tests := []struct {
		name       string
		down       overlay.NodeID
		wantGrafts []overlay.NodeID
		wantEager  []overlay.NodeID
		wantLazy   []overlay.NodeID
	}{
		{
			name:       "an eager neighbour going down grafts every lazy one, asking for no message",
			down:       "a",
			wantGrafts: []overlay.NodeID{"c", "d"},
			wantEager:  []overlay.NodeID{"b", "c", "d"},
		},
		{
			name:      "a lazy neighbour going down grafts nobody",
			down:      "c",
			wantEager: []overlay.NodeID{"a", "b"},
			wantLazy:  []overlay.NodeID{"d"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t, nil, []overlay.NodeID{"a", "b"}, []overlay.NodeID{"c", "d"})
			n.NeighborDown(t0, tt.down)
			to, grafts := messagesOf[Graft](n.Ready())
			assert.Equal(t, tt.wantGrafts, to)
			for _, g := range grafts {
				assert.True(t, g.ID.IsZero(), "a regraft asks for no message")
			}
			requireSets(t, n, tt.wantEager, tt.wantLazy)
			assert.Equal(t, uint64(len(tt.wantGrafts)), n.Stats().Regrafts)
			requireInvariants(t, n)
		})
	}
}
