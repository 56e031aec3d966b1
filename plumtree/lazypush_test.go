package plumtree

import (
	"testing"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/stretchr/testify/assert"
)

// ihaveSent is an IHAVE observed after an input at an offset from t0.
type ihaveSent struct {
	at      time.Duration
	to      overlay.NodeID
	entries []IHaveEntry
}

// TestIHaveBatching broadcasts on a node with lazy neighbours b and c and
// records the IHAVEs it sends.
func TestIHaveBatching(t *testing.T) {
	broadcast := func(n *Node, now time.Time) { n.Broadcast(now, []byte("m")) }
	// Broadcasts get IDs 1, 2, ... of the node's epoch; entry(k) is the
	// k-th one as announced after waiting w.
	tests := []struct {
		name       string
		interval   time.Duration
		maxEntries int
		inputs     []timedInput
		want       func(entry func(seq uint64, w time.Duration) IHaveEntry) []ihaveSent
	}{
		{
			name:   "interval 0 sends in the same call, one IHAVE per lazy peer",
			inputs: []timedInput{{0, broadcast}, {time.Second, broadcast}},
			want: func(e func(uint64, time.Duration) IHaveEntry) []ihaveSent {
				return []ihaveSent{
					{0, "b", []IHaveEntry{e(1, 0)}}, {0, "c", []IHaveEntry{e(1, 0)}},
					{time.Second, "b", []IHaveEntry{e(2, 0)}}, {time.Second, "c", []IHaveEntry{e(2, 0)}},
				}
			},
		},
		{
			name:     "a positive interval waits for Tick and reports each entry's wait",
			interval: 100 * time.Millisecond,
			inputs: []timedInput{
				{0, broadcast}, {30 * time.Millisecond, broadcast},
				{50 * time.Millisecond, tick}, // first flush
				{60 * time.Millisecond, broadcast},
				{149 * time.Millisecond, tick}, // not due: next flush at 150ms
				{150 * time.Millisecond, tick},
				{300 * time.Millisecond, tick}, // due but nothing queued
			},
			want: func(e func(uint64, time.Duration) IHaveEntry) []ihaveSent {
				const ms = time.Millisecond
				return []ihaveSent{
					{50 * ms, "b", []IHaveEntry{e(1, 50*ms), e(2, 20*ms)}},
					{50 * ms, "c", []IHaveEntry{e(1, 50*ms), e(2, 20*ms)}},
					{150 * ms, "b", []IHaveEntry{e(3, 90*ms)}},
					{150 * ms, "c", []IHaveEntry{e(3, 90*ms)}},
				}
			},
		},
		{
			name:       "a full batch leaves at once",
			interval:   time.Hour,
			maxEntries: 2,
			inputs:     []timedInput{{0, broadcast}, {time.Millisecond, broadcast}, {2 * time.Millisecond, broadcast}},
			want: func(e func(uint64, time.Duration) IHaveEntry) []ihaveSent {
				return []ihaveSent{
					{time.Millisecond, "b", []IHaveEntry{e(1, time.Millisecond), e(2, 0)}},
					{time.Millisecond, "c", []IHaveEntry{e(1, time.Millisecond), e(2, 0)}},
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t, func(c *Config) {
				c.IHaveFlushInterval = tt.interval
				c.MaxIHaveEntries = tt.maxEntries
			}, nil, []overlay.NodeID{"b", "c"})
			var got []ihaveSent
			for _, in := range tt.inputs {
				in.do(n, t0.Add(in.at))
				to, msgs := messagesOf[IHave](n.Ready())
				for i, m := range msgs {
					got = append(got, ihaveSent{in.at, to[i], m.Entries})
				}
			}
			entry := func(seq uint64, w time.Duration) IHaveEntry {
				g := idGenerator{epoch: n.ids.epoch, seq: seq - 1}
				id := g.next()
				return IHaveEntry{ID: id, Round: 1, Waited: w}
			}
			assert.Equal(t, tt.want(entry), got)
		})
	}
}

func TestIHaveBatchSurvivesRoleChangeButNotDeparture(t *testing.T) {
	n := newTestNode(t, func(c *Config) { c.IHaveFlushInterval = time.Second }, nil, []overlay.NodeID{"b", "c"})
	n.Tick(t0) // consume the first, immediate flush slot
	n.Broadcast(t0, []byte("m"))
	n.Step(t0, peer("b"), Graft{}) // b turns eager: it may still lack the message
	n.NeighborDown(t0, "c")        // c is gone: its batch goes with it
	n.Ready()
	n.Tick(t0.Add(time.Second))
	to, _ := messagesOf[IHave](n.Ready())
	assert.Equal(t, []overlay.NodeID{"b"}, to)
}

// TestBroadcastNowSkipsTheBatch checks that BroadcastNow's IHAVEs leave at
// once, with what was pending, where Broadcast's wait for the next flush.
func TestBroadcastNowSkipsTheBatch(t *testing.T) {
	n := newTestNode(t, func(c *Config) { c.IHaveFlushInterval = time.Second }, nil, []overlay.NodeID{"b", "c"})
	n.Tick(t0) // consume the first, immediate flush slot
	n.Broadcast(t0, []byte("routine"))
	to, _ := messagesOf[IHave](n.Ready())
	assert.Empty(t, to, "a routine broadcast waits for the batch")
	n.BroadcastNow(t0, []byte("urgent"))
	to, ihaves := messagesOf[IHave](n.Ready())
	assert.ElementsMatch(t, []overlay.NodeID{"b", "c"}, to)
	for _, ih := range ihaves {
		assert.Len(t, ih.Entries, 2, "the pending announcement leaves with it")
	}
}
