package plumtree

import (
	"testing"

	"github.com/overlayd/overlayd/overlay"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBroadcastIDsAreUniqueAndNeverZero(t *testing.T) {
	n := newTestNode(t, nil, nil, nil)
	seen := make(map[MessageID]bool)
	for range 1000 {
		id := n.Broadcast(t0, []byte("x"))
		require.False(t, id.IsZero())
		require.False(t, seen[id], "ID %s repeated", id)
		seen[id] = true
	}
}

func TestEpochDependsOnSelfAndSeed(t *testing.T) {
	epoch := func(self string, seed uint64) [8]byte {
		cfg := testConfig("", seed)
		return newIDGenerator(overlay.NodeID(self), cfg.Rand).epoch
	}
	assert.Equal(t, epoch("a", 1), epoch("a", 1), "same inputs, same epoch (determinism)")
	assert.NotEqual(t, epoch("a", 1), epoch("b", 1), "same seed on two nodes must not collide")
	assert.NotEqual(t, epoch("a", 1), epoch("a", 2), "a new incarnation gets a new epoch")
}

func TestMessageIDLayout(t *testing.T) {
	g := idGenerator{epoch: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}}
	first, second := g.next(), g.next()
	assert.Equal(t, "01020304050607080000000000000001", first.String())
	assert.Equal(t, "01020304050607080000000000000002", second.String())
	assert.True(t, MessageID{}.IsZero())
}
