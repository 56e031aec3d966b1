package node

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/overlay/memtransport"
)

// boundedTransport is an in-memory transport whose counters report what
// the bounds of the QUIC transport refused and dropped.
type boundedTransport struct {
	*memtransport.Transport
	limits overlay.Stats
}

func (b boundedTransport) Stats() overlay.Stats {
	s := b.Transport.Stats()
	s.Refused = b.limits.Refused
	s.RateLimited = b.limits.RateLimited
	s.PacketsDropped = b.limits.PacketsDropped
	return s
}

func TestMetricsExposeTheTransportBounds(t *testing.T) {
	h := newHarness(t)
	limits := overlay.Stats{
		Refused: map[overlay.RefusalReason]uint64{
			overlay.RefusedTooManyConnections: 1, overlay.RefusedTooManyFromAddress: 2, overlay.RefusedHandshakeRate: 3,
		},
		RateLimited:    4,
		PacketsDropped: map[string]uint64{"not_quic": 5, "unknown_connection_id": 6},
	}
	a := h.start("a", func(c *AgentConfig) {
		c.Transport = boundedTransport{Transport: c.Transport.(*memtransport.Transport), limits: limits}
	})
	fams := gather(t, a.Agent)
	for limit, want := range map[string]float64{
		"connections": 1, "connections_per_address": 2, "handshakes_per_second": 3, "messages_per_peer_per_second": 4,
	} {
		got, ok := series(fams["overlay_transport_limited_total"], map[string]string{"limit": limit})
		assert.True(t, ok, limit)
		assert.Equal(t, want, got, limit)
	}
	for reason, want := range map[string]float64{"not_quic": 5, "unknown_connection_id": 6} {
		got, ok := series(fams["overlay_transport_packets_dropped_total"], map[string]string{"reason": reason})
		assert.True(t, ok, reason)
		assert.Equal(t, want, got, reason)
	}
	assert.Equal(t, 6.0, gatherValue(t, a.Agent, "overlay_transport_refused_total"), "the sum of every refusal")
}

// An agent whose catalog is full refuses the records of members beyond it,
// and says so in its metrics; the others, not full, list everyone.
func TestMetricsCountRecordsRefusedByAFullCatalog(t *testing.T) {
	h := newHarness(t)
	all := names(3)
	seeds := []string{addr(all[1])}
	for _, name := range all {
		h.start(name, func(c *AgentConfig) {
			c.Seeds = seeds
			if name == all[0] {
				c.Core.Catalog.MaxMembers = 2
			}
		})
	}
	full := h.agents[all[0]]
	require.True(t, h.waitFor(time.Minute, func() bool {
		got, _ := series(gather(t, full.Agent)["overlay_catalog_records_refused_total"], map[string]string{"reason": "full"})
		return got > 0
	}), "the full catalog counts a refused member")
	assert.Equal(t, 2, full.View().Catalog.Len(), "it holds MaxMembers")
	require.True(t, h.waitFor(time.Minute, func() bool { return h.sees(all, catalog.Alive, all[0]) }), "the others list all three")
	assert.Positive(t, gatherValue(t, full.Agent, "overlay_broadcast_cache_bytes"), "broadcasts are cached")
}

// A record broadcast that exceeds a receiver's MaxPayloadBytes is dropped
// there and counted, and one over the sender's own bound is not sent.
func TestMetricsCountOversizeBroadcasts(t *testing.T) {
	h := newHarness(t)
	const limit = 2048
	small := func(c *AgentConfig) { c.Seeds = []string{addr("a")}; c.Core.Plumtree.MaxPayloadBytes = limit }
	a := h.start("a", func(c *AgentConfig) { c.Seeds = []string{addr("b")} })
	b := h.start("b", small)
	require.True(t, h.waitFor(time.Minute, func() bool { return h.sees([]string{"a", "b"}, catalog.Alive) }))

	big := catalog.Service{ID: "big", Name: "big", Health: catalog.Passing, Tags: []string{strings.Repeat("t", 100)}}
	for len(big.Tags) < 30 { // about 3 KB, over the limit
		big.Tags = append(big.Tags, strings.Repeat("t", 100-len(big.Tags)))
	}
	require.NoError(t, a.RegisterService(context.Background(), big))
	require.True(t, h.waitFor(time.Minute, func() bool {
		got, _ := series(gather(t, b.Agent)["overlay_broadcast_oversize_total"], map[string]string{"direction": "receive"})
		return got > 0
	}), "b drops a's oversize record broadcast")

	require.NoError(t, b.RegisterService(context.Background(), big))
	require.True(t, h.waitFor(time.Minute, func() bool {
		got, _ := series(gather(t, b.Agent)["overlay_broadcast_oversize_total"], map[string]string{"direction": "send"})
		return got > 0
	}), "b does not send its own oversize record")
}
