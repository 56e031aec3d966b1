package swim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

func TestLocalHealthClamps(t *testing.T) {
	h := localHealth{max: 3}
	h.apply(-1)
	assert.Equal(t, 0, h.score, "floor 0")
	h.apply(5)
	assert.Equal(t, 2, h.score, "ceiling max−1")
	assert.Equal(t, 3*time.Second, h.scale(time.Second))
}

// TestLocalHealthAfterProbe covers each probe outcome's effect on the score
// (Lifeguard's LHA-Probe), from a score of 2.
func TestLocalHealthAfterProbe(t *testing.T) {
	tests := []struct {
		name   string
		active []overlay.Peer
		// act drives the probe after its PingReqs went to helpers.
		act       func(n *Node, ping Ping, target overlay.Peer, helpers []overlay.Peer)
		wantScore int
	}{
		{"direct ack", peers(1, 2, 3), func(n *Node, p Ping, tg overlay.Peer, _ []overlay.Peer) {
			n.Step(epoch.Add(time.Second), tg, Ack{Seq: p.Seq})
		}, 1},
		{"indirect ack", peers(1, 2, 3), func(n *Node, p Ping, _ overlay.Peer, hs []overlay.Peer) {
			n.Step(epoch.Add(time.Second), hs[0], Ack{Seq: p.Seq})
		}, 1},
		{"failure with no helper to ask", peers(1), func(*Node, Ping, overlay.Peer, []overlay.Peer) {}, 3},
		{"failure with every nack back", peers(1, 2, 3), func(n *Node, p Ping, _ overlay.Peer, hs []overlay.Peer) {
			for _, h := range hs {
				n.Step(epoch.Add(time.Second), h, Nack{Seq: p.Seq})
			}
		}, 2},
		{"failure with a nack missed", peers(1, 2, 3), func(n *Node, p Ping, _ overlay.Peer, hs []overlay.Peer) {
			n.Step(epoch.Add(time.Second), hs[0], Nack{Seq: p.Seq})
			n.Step(epoch.Add(time.Second), hs[0], Nack{Seq: p.Seq}) // a repeat is no second nack
		}, 3},
		{"failure with no nack at all", peers(1, 2, 3), func(*Node, Ping, overlay.Peer, []overlay.Peer) {}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, tc.active)
			n.health.score = 2
			ping, target := startProbe(t, n, epoch)
			// With a score of 2 the timeout and the period are 3× as long.
			n.Tick(epoch.Add(3 * DefaultProbeTimeout))
			_, helpers := ofType[PingReq](n.Ready())
			tc.act(n, ping, target, helpers)
			n.Tick(epoch.Add(3 * lastVerdictAfter))
			n.Ready()
			assert.Equal(t, tc.wantScore, n.LocalHealth())
		})
	}
}

func TestLocalHealthStretchesProbing(t *testing.T) {
	for score := range DefaultMaxLocalHealth {
		n := newTestNode(t, peers(1, 2, 3))
		n.health.score = score
		mult := time.Duration(score + 1)
		startProbe(t, n, epoch)

		n.Tick(epoch.Add(mult*DefaultProbeTimeout - time.Millisecond))
		reqs, _ := ofType[PingReq](n.Ready())
		require.Empty(t, reqs, "score %d: PingReq not before the stretched timeout", score)
		n.Tick(epoch.Add(mult * DefaultProbeTimeout))
		reqs, _ = ofType[PingReq](n.Ready())
		require.NotEmpty(t, reqs, "score %d: PingReq at the stretched timeout", score)
		assert.Equal(t, durationMillis(mult*DefaultProbeTimeout), reqs[0].TimeoutMillis, "helpers learn the stretched timeout")

		assert.Equal(t, epoch.Add(mult*DefaultProbeInterval), n.nextProbe, "score %d: the period is stretched", score)
	}
}

func TestLocalHealthRisesWithRefutationAndFallsBack(t *testing.T) {
	n := newTestNode(t, peers(1))
	for i := range DefaultMaxLocalHealth + 2 {
		n.Observe(epoch, Update{Member: peer(0), Incarnation: uint64(i), State: StateSuspect, From: "a"})
	}
	assert.Equal(t, DefaultMaxLocalHealth-1, n.LocalHealth(), "saturates")
	// Each successful probe takes one off.
	now := epoch
	for want := DefaultMaxLocalHealth - 2; want >= 0; want-- {
		ping, target := startProbe(t, n, now)
		n.Step(now, target, Ack{Seq: ping.Seq})
		assert.Equal(t, want, n.LocalHealth())
		now = n.nextProbe
	}
}

func TestStalledNodeAbandonsProbe(t *testing.T) {
	tests := []struct {
		name        string
		late        time.Duration // past the verdict
		wantSuspect bool
	}{
		{"ticked at the verdict", 0, true},
		{"ticked late, within the probe's length and the grace", lastVerdictAfter - time.Millisecond, true},
		{"stalled the probe's whole length and the grace", lastVerdictAfter, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, peers(1, 2))
			startProbe(t, n, epoch)
			n.Tick(epoch.Add(verdictAfter + tc.late))
			rd := n.Ready()
			assert.Equal(t, tc.wantSuspect, len(broadcasts(rd)) == 1)
			assert.Equal(t, 1, n.LocalHealth(), "either way the node was slow or unanswered")
			if !tc.wantSuspect {
				assert.Equal(t, uint64(1), n.Stats().ProbesAbandoned)
				reqs, _ := ofType[PingReq](rd)
				assert.Empty(t, reqs, "no helper asked once the period is over")
			}
		})
	}
}

// TestVerdictWaitsForNacksDue checks the grace a verdict gives nacks still
// due: a nack a little after the deadline still counts, so that the
// healthy requester's score does not rise, and the verdict then comes at
// once; an ack within the grace still answers the probe.
func TestVerdictWaitsForNacksDue(t *testing.T) {
	setup := func(t *testing.T) (*Node, Ping, []overlay.Peer) {
		n := newTestNode(t, peers(1, 2))
		ping, _ := startProbe(t, n, epoch)
		n.Tick(epoch.Add(DefaultProbeTimeout))
		_, helpers := ofType[PingReq](n.Ready())
		require.Len(t, helpers, 1)
		n.Tick(epoch.Add(verdictAfter))
		require.Empty(t, broadcasts(n.Ready()), "no verdict while a nack is due")
		return n, ping, helpers
	}
	t.Run("late nack", func(t *testing.T) {
		n, ping, helpers := setup(t)
		late := epoch.Add(verdictAfter + 100*time.Millisecond)
		n.Step(late, helpers[0], Nack{Seq: ping.Seq})
		n.Tick(late)
		assert.Len(t, broadcasts(n.Ready()), 1, "the verdict once the last nack is in")
		assert.Zero(t, n.LocalHealth(), "every nack came")
	})
	t.Run("ack in the grace", func(t *testing.T) {
		n, ping, helpers := setup(t)
		n.Step(epoch.Add(verdictAfter+time.Second), helpers[0], Ack{Seq: ping.Seq})
		n.Tick(epoch.Add(lastVerdictAfter))
		assert.Empty(t, broadcasts(n.Ready()))
		assert.Equal(t, uint64(1), n.Stats().IndirectAcks)
	})
}
