package swim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/overlayd/overlayd/overlay"
)

// TestProbeOutlivedByHeardTarget checks that a probe without an ack is no
// failure when the target was heard from after the ping.
func TestProbeOutlivedByHeardTarget(t *testing.T) {
	n := newTestNode(t, peers(1))
	startProbe(t, n, epoch)
	n.Heard(epoch.Add(time.Second), peer(1).ID)
	n.Tick(epoch.Add(verdictAfter))
	rd := n.Ready()
	assert.Empty(t, broadcasts(rd), "no suspicion")
	sus, _ := ofType[Suspect](rd)
	assert.Empty(t, sus)
	assert.Zero(t, n.LocalHealth(), "no failure counted against this node")
	assert.Equal(t, uint64(1), n.Stats().ProbesOutlived)
}

// TestHeardSuspectIsAnswered checks that hearing from a suspected member
// tells the cluster with the member's Alive at the suspected incarnation
// asserted by this node, at most once per minimum timeout, and not when
// another node's answer came within one.
func TestHeardSuspectIsAnswered(t *testing.T) {
	n := newTestNode(t, nil)
	x := peer(5)
	n.Observe(epoch, Update{Member: x, Incarnation: 3, State: StateSuspect, From: "a"})
	n.Ready()
	n.Heard(epoch, x.ID)
	assert.Empty(t, broadcasts(n.Ready()), "a message no later than the suspicion's start is no answer")
	n.Heard(epoch.Add(time.Millisecond), x.ID)
	assert.Equal(t, []Update{{Member: x, Incarnation: 3, State: StateAlive, From: peer(0).ID}}, broadcasts(n.Ready()))
	n.Heard(epoch.Add(2*time.Millisecond), x.ID)
	assert.Empty(t, broadcasts(n.Ready()), "not again within the minimum timeout")
	again := epoch.Add(time.Millisecond + DefaultSuspicionTimeout)
	n.Heard(again, x.ID)
	assert.Len(t, broadcasts(n.Ready()), 1, "again once it has passed")
	n.Observe(again.Add(DefaultSuspicionTimeout), Update{Member: x, Incarnation: 3, State: StateAlive, From: "b"})
	n.Heard(again.Add(DefaultSuspicionTimeout+time.Millisecond), x.ID)
	assert.Empty(t, broadcasts(n.Ready()), "another node's answer just came")
	st, inc := state(n, x)
	assert.Equal(t, StateSuspect, st, "only the member's refutation ends the suspicion")
	assert.Equal(t, uint64(3), inc)
}

// TestAnswerFromAnotherNodeDefersVerdict checks that another node's word
// that a suspect answered it defers this suspecter's verdict to max + min,
// and that the member's own Alive at that incarnation, an old record, does
// not.
func TestAnswerFromAnotherNodeDefersVerdict(t *testing.T) {
	lo, hi := suspicionBounds(Config{}.withDefaults())
	for _, tc := range []struct {
		from overlay.NodeID
		want time.Duration
	}{{"b", hi + lo}, {peer(1).ID, lo}} {
		n := newSuspecter(t)
		start := suspectWithHelpers(t, n)
		for _, from := range []overlay.NodeID{"c", "d"} {
			n.Observe(start, Update{Member: peer(1), State: StateSuspect, From: from})
		}
		n.Observe(start, Update{Member: peer(1), State: StateAlive, From: tc.from})
		n.Ready()
		n.Tick(start.Add(tc.want - time.Millisecond))
		assert.Empty(t, deadOf(n.Ready()), "word from %s: not before %v", tc.from, tc.want)
		n.Tick(start.Add(tc.want))
		assert.Len(t, deadOf(n.Ready()), 1, "word from %s: at %v", tc.from, tc.want)
	}
}
