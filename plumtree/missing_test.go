package plumtree

import (
	"testing"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/stretchr/testify/assert"
)

// timedInput is one input at an offset from t0.
type timedInput struct {
	at time.Duration
	do func(n *Node, now time.Time)
}

func ihaveFrom(id overlay.NodeID) func(*Node, time.Time) {
	return func(n *Node, now time.Time) {
		n.Step(now, peer(id), IHave{Entries: []IHaveEntry{{ID: mid(1), Round: 1}}})
	}
}

// ihaveWaitedFrom is an IHAVE of mid(1) from id whose entry waited in
// id's batch for waited.
func ihaveWaitedFrom(id overlay.NodeID, waited time.Duration) func(*Node, time.Time) {
	return func(n *Node, now time.Time) {
		n.Step(now, peer(id), IHave{Entries: []IHaveEntry{{ID: mid(1), Round: 1, Waited: waited}}})
	}
}

func gossipFrom(id overlay.NodeID) func(*Node, time.Time) {
	return func(n *Node, now time.Time) { n.Step(now, peer(id), Gossip{ID: mid(1), Round: 1}) }
}

func tick(n *Node, now time.Time) { n.Tick(now) }

func neighborDown(id overlay.NodeID) func(*Node, time.Time) {
	return func(n *Node, now time.Time) { n.NeighborDown(now, id) }
}

// graftAt is a GRAFT for mid(1) observed in the Ready after an input.
type graftAt struct {
	to overlay.NodeID
	at time.Duration
}

// TestGraftTimers covers timer 1, timer 2, cancellation and give-up, on a
// node with lazy neighbours a, b and c and the default timeouts (500ms,
// 250ms).
func TestGraftTimers(t *testing.T) {
	const t1, t2 = DefaultGraftTimeout, DefaultSecondGraftTimeout
	tests := []struct {
		name        string
		inputs      []timedInput
		wantGrafts  []graftAt
		wantEager   []overlay.NodeID
		wantMissing int
		wantGaveUp  uint64
	}{
		{
			name:        "timer 1 does not fire early",
			inputs:      []timedInput{{0, ihaveFrom("a")}, {t1 - 1, tick}},
			wantMissing: 1,
		},
		{
			name:        "timer 1 expiry grafts the first announcer and makes it eager",
			inputs:      []timedInput{{0, ihaveFrom("b")}, {10 * time.Millisecond, ihaveFrom("a")}, {t1, tick}},
			wantGrafts:  []graftAt{{"b", t1}},
			wantEager:   []overlay.NodeID{"b"},
			wantMissing: 1,
		},
		{
			name: "the wait in the announcer's batch counts toward timer 1",
			inputs: []timedInput{
				{0, ihaveWaitedFrom("a", 100*time.Millisecond)}, {t1 - 100*time.Millisecond - 1, tick},
				{t1 - 100*time.Millisecond, tick},
			},
			wantGrafts:  []graftAt{{"a", t1 - 100*time.Millisecond}},
			wantEager:   []overlay.NodeID{"a"},
			wantMissing: 1,
		},
		{
			name: "timer 1 runs at least timer 2's length after the IHAVE, however long the batch waited",
			inputs: []timedInput{
				{0, ihaveWaitedFrom("a", t1)}, {t2 - 1, tick}, {t2, tick},
			},
			wantGrafts:  []graftAt{{"a", t2}},
			wantEager:   []overlay.NodeID{"a"},
			wantMissing: 1,
		},
		{
			name: "later announcements do not restart timer 1",
			inputs: []timedInput{
				{0, ihaveFrom("a")}, {t1 - time.Millisecond, ihaveFrom("b")}, {t1, tick},
			},
			wantGrafts:  []graftAt{{"a", t1}},
			wantEager:   []overlay.NodeID{"a"},
			wantMissing: 1,
		},
		{
			name: "timer 2 expiry grafts the next announcer",
			inputs: []timedInput{
				{0, ihaveFrom("a")}, {0, ihaveFrom("b")}, {0, ihaveFrom("c")},
				{t1, tick}, {t1 + t2 - 1, tick}, {t1 + t2, tick}, {t1 + 2*t2, tick},
			},
			wantGrafts:  []graftAt{{"a", t1}, {"b", t1 + t2}, {"c", t1 + 2*t2}},
			wantEager:   []overlay.NodeID{"a", "b", "c"},
			wantMissing: 1,
		},
		{
			name: "a repeated announcement from the same peer is not grafted twice",
			inputs: []timedInput{
				{0, ihaveFrom("a")}, {time.Millisecond, ihaveFrom("a")},
				{t1, tick}, {t1 + t2, tick},
			},
			wantGrafts: []graftAt{{"a", t1}},
			wantEager:  []overlay.NodeID{"a"},
			wantGaveUp: 1,
		},
		{
			name: "when the announcers run out the message is given up and a new IHAVE starts over",
			inputs: []timedInput{
				{0, ihaveFrom("a")}, {t1, tick}, {t1 + t2, tick},
				{time.Second, ihaveFrom("b")}, {time.Second + t1, tick},
			},
			wantGrafts:  []graftAt{{"a", t1}, {"b", time.Second + t1}},
			wantEager:   []overlay.NodeID{"a", "b"},
			wantMissing: 1,
			wantGaveUp:  1,
		},
		{
			name:   "the GOSSIP arriving before timer 1 cancels it",
			inputs: []timedInput{{0, ihaveFrom("a")}, {t1 / 2, gossipFrom("b")}, {t1, tick}, {10 * t1, tick}},
			// b sent the copy, so it becomes eager.
			wantEager: []overlay.NodeID{"b"},
		},
		{
			name: "the GOSSIP arriving after a GRAFT cancels timer 2",
			inputs: []timedInput{
				{0, ihaveFrom("a")}, {0, ihaveFrom("b")}, {t1, tick},
				{t1 + t2/2, gossipFrom("a")}, {t1 + t2, tick}, {10 * t1, tick},
			},
			wantGrafts: []graftAt{{"a", t1}},
			wantEager:  []overlay.NodeID{"a"},
		},
		{
			name: "a departed announcer is skipped",
			inputs: []timedInput{
				{0, ihaveFrom("a")}, {0, ihaveFrom("b")}, {1, neighborDown("a")}, {t1, tick},
			},
			wantGrafts:  []graftAt{{"b", t1}},
			wantEager:   []overlay.NodeID{"b"},
			wantMissing: 1,
		},
		{
			name:   "the entry goes when its only announcer departs",
			inputs: []timedInput{{0, ihaveFrom("a")}, {1, neighborDown("a")}, {t1, tick}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t, nil, nil, []overlay.NodeID{"a", "b", "c"})
			var grafts []graftAt
			for _, in := range tt.inputs {
				in.do(n, t0.Add(in.at))
				to, msgs := messagesOf[Graft](n.Ready())
				for i, g := range msgs {
					assert.Equal(t, mid(1), g.ID)
					grafts = append(grafts, graftAt{to[i], in.at})
				}
			}
			assert.Equal(t, tt.wantGrafts, grafts)
			assert.Equal(t, tt.wantEager, idsOf(n.Eager()))
			st := n.Stats()
			assert.Equal(t, tt.wantMissing, st.MissingCount)
			assert.Equal(t, tt.wantGaveUp, st.MissingGaveUp)
			assert.Equal(t, uint64(len(tt.wantGrafts)), st.GraftTimerFired)
		})
	}
}

func TestGraftTimersFireInDeadlineOrder(t *testing.T) {
	n := newTestNode(t, nil, nil, []overlay.NodeID{"a", "b"})
	n.Step(t0, peer("b"), IHave{Entries: []IHaveEntry{{ID: mid(2), Round: 1}}})
	n.Step(t0.Add(time.Millisecond), peer("a"), IHave{Entries: []IHaveEntry{{ID: mid(1), Round: 1}}})
	n.Ready()
	n.Tick(t0.Add(time.Hour))
	to, grafts := messagesOf[Graft](n.Ready())
	assert.Equal(t, []overlay.NodeID{"b", "a"}, to)
	assert.Equal(t, []Graft{{ID: mid(2)}, {ID: mid(1)}}, grafts)
}

func TestMissingTableIsBounded(t *testing.T) {
	n := newTestNode(t, func(c *Config) { c.MaxMissing = 2 }, nil, []overlay.NodeID{"a"})
	n.Step(t0, peer("a"), IHave{Entries: []IHaveEntry{{ID: mid(1), Round: 1}, {ID: mid(2), Round: 1}, {ID: mid(3), Round: 1}}})
	st := n.Stats()
	assert.Equal(t, 2, st.MissingCount)
	assert.Equal(t, uint64(1), st.MissingOverflow)
}
