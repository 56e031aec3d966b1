package plumtree

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

// TestNewNeighbourHearsOfRecentMessages checks that a neighbour coming up
// is sent an IHAVE for the messages received within AnnounceWindow, and
// only those.
func TestNewNeighbourHearsOfRecentMessages(t *testing.T) {
	tests := []struct {
		name   string
		window time.Duration
		upAt   time.Duration // when the new neighbour comes up, after the second message
		want   []MessageID
	}{
		{"both recent", 0, time.Second, []MessageID{mid(1), mid(2)}},
		{"the first too old", 0, DefaultAnnounceWindow - time.Second, []MessageID{mid(2)}},
		{"both too old", 0, DefaultAnnounceWindow + time.Second, nil},
		{"disabled", -1, time.Second, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, func(c *Config) { c.AnnounceWindow = tc.window }, []overlay.NodeID{"a"}, nil)
			n.Step(t0, peer("a"), Gossip{ID: mid(1), Round: 2})
			second := t0.Add(2 * time.Second)
			n.Step(second, peer("a"), Gossip{ID: mid(2), Round: 3})
			n.Ready()

			n.NeighborUp(second.Add(tc.upAt), peer("b"))
			var got []MessageID
			for _, o := range n.Ready().Messages {
				require.Equal(t, overlay.NodeID("b"), o.To.ID)
				ih, ok := o.Msg.(IHave)
				require.True(t, ok, "only IHAVEs go to the new neighbour, got %T", o.Msg)
				for _, e := range ih.Entries {
					got = append(got, e.ID)
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}
}
