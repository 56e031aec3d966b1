package plumtree

import (
	"testing"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/stretchr/testify/assert"
)

// TestGraftAndPrune covers the GRAFT and PRUNE handlers on a node with
// eager neighbour a and lazy neighbour c that received mid(1) at round 2
// from a.
func TestGraftAndPrune(t *testing.T) {
	payload := []byte("cached")
	tests := []struct {
		name       string
		elapsed    time.Duration // Tick before the message, to age the cache
		from       overlay.NodeID
		msg        overlay.Message
		wantResend *Gossip
		wantEager  []overlay.NodeID
		wantLazy   []overlay.NodeID
		counter    func(Stats) uint64
	}{
		{
			name:       "GRAFT for a cached message makes the peer eager and resends it one hop further",
			from:       "c",
			msg:        Graft{ID: mid(1)},
			wantResend: &Gossip{ID: mid(1), Round: 3, Payload: payload},
			wantEager:  []overlay.NodeID{"a", "c"},
			counter:    func(s Stats) uint64 { return s.Resent },
		},
		{
			name:      "GRAFT for a seen but evicted message only makes the peer eager",
			elapsed:   DefaultCacheTTL,
			from:      "c",
			msg:       Graft{ID: mid(1)},
			wantEager: []overlay.NodeID{"a", "c"},
			counter:   func(s Stats) uint64 { return s.GraftCacheMiss },
		},
		{
			name:      "GRAFT with zero ID only makes the peer eager",
			from:      "c",
			msg:       Graft{},
			wantEager: []overlay.NodeID{"a", "c"},
			counter:   func(s Stats) uint64 { return s.GraftsReceived },
		},
		{
			name:      "GRAFT for a message forgotten beyond SeenTTL is ignored",
			elapsed:   defaultSeenTTLFactor * DefaultCacheTTL,
			from:      "c",
			msg:       Graft{ID: mid(1)},
			wantEager: []overlay.NodeID{"a"},
			wantLazy:  []overlay.NodeID{"c"},
			counter:   func(s Stats) uint64 { return s.GraftUnknownID },
		},
		{
			name:     "PRUNE makes an eager peer lazy, even the last one",
			from:     "a",
			msg:      Prune{},
			wantLazy: []overlay.NodeID{"a", "c"},
			counter:  func(s Stats) uint64 { return s.PrunesReceived },
		},
		{
			name:      "PRUNE from a lazy peer changes nothing",
			from:      "c",
			msg:       Prune{},
			wantEager: []overlay.NodeID{"a"},
			wantLazy:  []overlay.NodeID{"c"},
			counter:   func(s Stats) uint64 { return s.PrunesReceived },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t, nil, []overlay.NodeID{"a"}, []overlay.NodeID{"c"})
			n.Step(t0, peer("a"), Gossip{ID: mid(1), Round: 2, Payload: payload})
			now := t0.Add(tt.elapsed)
			n.Tick(now)
			n.Ready()
			before := n.Stats()

			n.Step(now, peer(tt.from), tt.msg)
			rd := n.Ready()

			if tt.wantResend == nil {
				assert.Empty(t, rd.Messages)
			} else {
				assert.Equal(t, []overlay.Outgoing{{To: peer(tt.from), Msg: *tt.wantResend}}, rd.Messages)
			}
			requireSets(t, n, tt.wantEager, tt.wantLazy)
			assert.Equal(t, tt.counter(before)+1, tt.counter(n.Stats()))
		})
	}
}
