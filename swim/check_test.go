package swim

import (
	"strings"
	"testing"

	"github.com/overlayd/overlayd/overlay"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckProbesAMemberOutsideTheRotation(t *testing.T) {
	t.Run("an unreachable member is probed directly, then through helpers, then suspected", func(t *testing.T) {
		n := newTestNode(t, peers(1, 2))
		n.Observe(epoch, Update{Member: peer(7), Incarnation: 3, State: StateAlive, From: peer(7).ID})
		n.Check(epoch, peer(7))
		_, target := startProbe(t, n, epoch)
		assert.Equal(t, peer(7), target, "the checked member goes before the rotation")
		n.Tick(epoch.Add(DefaultProbeTimeout))
		_, helpers := ofType[PingReq](n.Ready())
		assert.ElementsMatch(t, peers(1, 2), helpers, "the active peers probe it indirectly")
		n.Tick(epoch.Add(lastVerdictAfter))
		bs := broadcasts(n.Ready())
		require.Len(t, bs, 1)
		assert.Equal(t, Update{Member: peer(7), Incarnation: 3, State: StateSuspect, From: n.Self().ID}, bs[0],
			"suspected at the incarnation its owner last announced")
		assert.NotContains(t, n.Probing(), peer(7), "a check does not add it to the rotation")
		assert.Equal(t, uint64(1), n.Stats().ChecksQueued)
	})
	t.Run("an answer ends it", func(t *testing.T) {
		n := newTestNode(t, peers(1))
		n.Check(epoch, peer(7))
		ping, target := startProbe(t, n, epoch)
		require.Equal(t, peer(7), target)
		n.Step(epoch, target, Ack{Seq: ping.Seq})
		assert.Empty(t, broadcasts(n.Ready()))
		assert.Equal(t, []overlay.NodeID{peer(1).ID, peer(1).ID}, probeRounds(t, n, 2), "one probe only")
	})
	t.Run("members that need none", func(t *testing.T) {
		n := newTestNode(t, peers(1, 2))
		n.Observe(epoch, Update{Member: peer(5), State: StateDead, From: "a"})
		n.Observe(epoch, Update{Member: peer(6), State: StateLeft, From: peer(6).ID})
		n.Check(epoch, peer(1)) // in the rotation
		n.Check(epoch, peer(5)) // dead
		n.Check(epoch, peer(6)) // left
		n.Check(epoch, peer(7))
		n.Check(epoch, peer(7)) // already owed its probe
		assert.Equal(t, peers(7), n.farewell)
		assert.Equal(t, uint64(1), n.Stats().ChecksQueued)
	})
	t.Run("bad input", func(t *testing.T) {
		n := newTestNode(t, peers(1))
		n.Check(epoch, n.Self())
		n.Check(epoch, overlay.Peer{ID: overlay.NodeID(strings.Repeat("x", overlay.MaxNodeIDLen+1))})
		assert.Empty(t, n.farewell)
		assert.Equal(t, uint64(2), n.Stats().Ignored)
	})
}
