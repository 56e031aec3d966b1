package swim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

// probeRounds answers every probe at once and returns the targets of the
// given number of periods.
func probeRounds(t *testing.T, n *Node, periods int) []overlay.NodeID {
	t.Helper()
	var targets []overlay.NodeID
	now := epoch
	for range periods {
		ping, target := startProbe(t, n, now)
		n.Step(now, target, Ack{Seq: ping.Seq})
		n.Ready()
		targets = append(targets, target.ID)
		now = now.Add(DefaultProbeInterval)
	}
	return targets
}

func TestRoundRobinVisitsEveryPeerOncePerRound(t *testing.T) {
	active := peers(1, 2, 3, 4, 5, 6, 7)
	const rounds = 6
	n := newTestNode(t, active)
	targets := probeRounds(t, n, rounds*len(active))
	orders := map[string]bool{}
	for r := range rounds {
		round := targets[r*len(active) : (r+1)*len(active)]
		assert.ElementsMatch(t, ids(active), round, "round %d visits each peer once", r)
		orders[string(joinIDs(round))] = true
	}
	assert.Greater(t, len(orders), 1, "rounds are reshuffled")
}

func joinIDs(ids []overlay.NodeID) []byte {
	var b []byte
	for _, id := range ids {
		b = append(b, id...)
		b = append(b, ',')
	}
	return b
}

func TestNewPeerInsertedAtRandomPosition(t *testing.T) {
	positions := map[int]bool{}
	for seed := range uint64(40) {
		var r rotation
		rng := rand.New(rand.NewPCG(seed, 0))
		for _, p := range peers(1, 2, 3, 4) {
			r.add(rng, p)
		}
		r.add(rng, peer(9))
		positions[r.index(peer(9).ID)] = true
		require.Len(t, r.peers, 5)
	}
	assert.Len(t, positions, 5, "every position occurs")
}

func TestRotationAddedMidRoundKeepsRoundIntact(t *testing.T) {
	for seed := range uint64(30) {
		var r rotation
		rng := rand.New(rand.NewPCG(seed, 1))
		for _, p := range peers(1, 2, 3, 4) {
			r.add(rng, p)
		}
		first, _ := r.pick(rng)
		second, _ := r.pick(rng)
		r.add(rng, peer(9))
		r.remove(peer(3).ID)
		var rest []overlay.NodeID
		for r.next < len(r.peers) {
			p, _ := r.pick(rng)
			rest = append(rest, p.ID)
		}
		round := append([]overlay.NodeID{first.ID, second.ID}, rest...)
		assert.Equal(t, len(round), len(uniq(round)), "seed %d: nobody twice in a round", seed)
		for _, id := range []overlay.NodeID{peer(1).ID, peer(2).ID, peer(4).ID} {
			assert.Contains(t, round, id, "seed %d: the peers present all round are visited", seed)
		}
	}
}

func TestSelfNeverProbed(t *testing.T) {
	n := newTestNode(t, peers(0, 1))
	assert.Equal(t, peers(1), n.Probing())
	assert.Equal(t, uint64(1), n.Stats().Ignored)
	n.NeighborUp(epoch, overlay.Peer{})
	assert.Equal(t, uint64(2), n.Stats().Ignored)
}

func TestNeighborUpUpdatesAddress(t *testing.T) {
	n := newTestNode(t, peers(1, 2))
	moved := overlay.Peer{ID: peer(1).ID, Addr: "10.9.9.9:1"}
	n.NeighborUp(epoch, moved)
	assert.Len(t, n.Probing(), 2)
	assert.Contains(t, n.Probing(), moved)
}

func TestNeighborDownGivesLastProbe(t *testing.T) {
	t.Run("departed peer is probed next period, then never", func(t *testing.T) {
		n := newTestNode(t, peers(1, 2, 3))
		n.NeighborDown(epoch, peer(2).ID)
		assert.NotContains(t, n.Probing(), peer(2))
		ping, target := startProbe(t, n, epoch)
		assert.Equal(t, peer(2), target, "a last probe")
		n.Step(epoch, target, Ack{Seq: ping.Seq})
		targets := probeRounds(t, n, 6)
		assert.NotContains(t, targets, peer(2).ID)
	})
	t.Run("an unanswered last probe raises a suspicion", func(t *testing.T) {
		n := newTestNode(t, peers(1, 2, 3))
		n.NeighborDown(epoch, peer(2).ID)
		startProbe(t, n, epoch)
		n.Tick(epoch.Add(DefaultProbeTimeout))
		_, helpers := ofType[PingReq](n.Ready())
		assert.ElementsMatch(t, peers(1, 3), helpers)
		n.Tick(epoch.Add(lastVerdictAfter))
		bs := broadcasts(n.Ready())
		require.Len(t, bs, 1)
		assert.Equal(t, StateSuspect, bs[0].State)
		assert.Equal(t, peer(2), bs[0].Member)
	})
	t.Run("probe under way runs to its end", func(t *testing.T) {
		n := newTestNode(t, peers(1))
		_, target := startProbe(t, n, epoch)
		n.NeighborDown(epoch, target.ID)
		assert.Empty(t, n.farewell, "no second probe")
		n.Tick(epoch.Add(verdictAfter))
		assert.Len(t, broadcasts(n.Ready()), 1, "the failure still counts")
	})
	t.Run("member known dead or left needs no last probe", func(t *testing.T) {
		for _, st := range []State{StateDead, StateLeft} {
			n := newTestNode(t, peers(1, 2))
			n.Observe(epoch, Update{Member: peer(2), State: st, From: "a"})
			n.NeighborDown(epoch, peer(2).ID)
			assert.Empty(t, n.farewell, st.String())
		}
	})
	t.Run("peer back in the view needs no last probe", func(t *testing.T) {
		n := newTestNode(t, peers(1, 2))
		n.NeighborDown(epoch, peer(2).ID)
		n.NeighborUp(epoch, peer(2))
		assert.Empty(t, n.farewell)
	})
	t.Run("unknown peer", func(t *testing.T) {
		n := newTestNode(t, peers(1))
		n.NeighborDown(epoch, peer(5).ID)
		assert.Empty(t, n.farewell)
		assert.Equal(t, uint64(1), n.Stats().Ignored)
	})
	t.Run("bounded", func(t *testing.T) {
		var ps []overlay.Peer
		for i := 1; i <= maxFarewells+3; i++ {
			ps = append(ps, peer(i))
		}
		n := newTestNode(t, ps)
		for _, p := range ps {
			n.NeighborDown(epoch, p.ID)
		}
		assert.Len(t, n.farewell, maxFarewells)
		assert.Equal(t, uint64(3), n.Stats().FarewellsDropped)
		assert.Equal(t, ps[3:], n.farewell, "the oldest are dropped")
	})
}

func TestNoPeersNoProbe(t *testing.T) {
	n := newTestNode(t, nil)
	for d := time.Duration(0); d < 10*time.Second; d += 100 * time.Millisecond {
		n.Tick(epoch.Add(d))
	}
	assert.Empty(t, n.Ready().Messages)
	assert.Empty(t, n.Probing())
}
