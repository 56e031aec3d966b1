package plumtree

import (
	"testing"

	"github.com/overlayd/overlayd/overlay"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBroadcastOverMaxPayloadBytesIsRefused checks the bound at the
// sender: a payload of exactly MaxPayloadBytes goes out, one byte more
// sends and delivers nothing and is counted.
func TestBroadcastOverMaxPayloadBytesIsRefused(t *testing.T) {
	const limit = 100
	n := newTestNode(t, func(c *Config) { c.MaxPayloadBytes = limit }, []overlay.NodeID{"a"}, nil)

	id := n.Broadcast(t0, make([]byte, limit))
	require.False(t, id.IsZero())
	rd := n.Ready()
	assert.Len(t, rd.Events, 1)
	assert.NotEmpty(t, rd.Messages)

	id = n.Broadcast(t0, make([]byte, limit+1))
	assert.True(t, id.IsZero())
	assert.Equal(t, Ready{}, n.Ready())
	st := n.Stats()
	assert.Equal(t, uint64(1), st.OversizeBroadcasts)
	assert.Equal(t, uint64(1), st.Broadcasts)
	assert.Equal(t, limit, st.CachedBytes)
}
