package swim

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

func TestObserveMergePrecedence(t *testing.T) {
	x := peer(5)
	type rec struct {
		inc uint64
		st  State
	}
	tests := []struct {
		name      string
		have      rec
		update    rec
		want      rec
		wantStale bool
	}{
		{"higher incarnation wins over a stronger state", rec{3, StateDead}, rec{4, StateAlive}, rec{4, StateAlive}, false},
		{"lower incarnation is stale", rec{3, StateAlive}, rec{2, StateLeft}, rec{3, StateAlive}, true},
		{"equal: suspect beats alive", rec{3, StateAlive}, rec{3, StateSuspect}, rec{3, StateSuspect}, false},
		{"equal: dead beats suspect", rec{3, StateSuspect}, rec{3, StateDead}, rec{3, StateDead}, false},
		{"equal: left beats dead", rec{3, StateDead}, rec{3, StateLeft}, rec{3, StateLeft}, false},
		{"equal: alive loses to suspect", rec{3, StateSuspect}, rec{3, StateAlive}, rec{3, StateSuspect}, true},
		{"equal: dead is final for its incarnation", rec{3, StateDead}, rec{3, StateSuspect}, rec{3, StateDead}, true},
		{"equal: left is final for its incarnation", rec{3, StateLeft}, rec{3, StateDead}, rec{3, StateLeft}, true},
		{"repeat is stale", rec{3, StateAlive}, rec{3, StateAlive}, rec{3, StateAlive}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, nil)
			n.Observe(epoch, Update{Member: x, Incarnation: tc.have.inc, State: tc.have.st, From: "a"})
			before := n.Stats().StaleUpdates
			n.Observe(epoch, Update{Member: x, Incarnation: tc.update.inc, State: tc.update.st, From: "b"})
			st, inc := state(n, x)
			assert.Equal(t, tc.want, rec{inc, st})
			assert.Equal(t, tc.wantStale, n.Stats().StaleUpdates > before, "counted stale")
			assert.Equal(t, st == StateSuspect, n.members[x.ID].suspicion != nil, "a timer runs exactly while suspected")
			assert.Empty(t, n.Ready().Events, "observing someone else's update originates nothing")
		})
	}
}

func TestObserveRejectsMalformed(t *testing.T) {
	tests := []struct {
		name string
		u    Update
	}{
		{"no member ID", Update{Member: overlay.Peer{Addr: "a"}, State: StateAlive}},
		{"state zero", Update{Member: peer(1)}},
		{"unknown state", Update{Member: peer(1), State: 9}},
		{"From too long", Update{Member: peer(1), State: StateSuspect, From: overlay.NodeID(make([]byte, overlay.MaxNodeIDLen+1))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, nil)
			n.Observe(epoch, tc.u)
			assert.Equal(t, uint64(1), n.Stats().Ignored)
			_, known := n.Member(peer(1).ID)
			assert.False(t, known)
		})
	}
}

func TestRefutation(t *testing.T) {
	tests := []struct {
		name      string
		own       uint64
		u         Update // about node 0
		wantInc   uint64
		wantAlive bool // an Alive broadcast at wantInc
	}{
		{"suspected at the current incarnation", 2, Update{Incarnation: 2, State: StateSuspect, From: "a"}, 3, true},
		{"suspected at a later incarnation", 2, Update{Incarnation: 9, State: StateSuspect, From: "a"}, 10, true},
		{"declared dead", 2, Update{Incarnation: 2, State: StateDead, From: "a"}, 3, true},
		{"said to have left (an earlier life's leave)", 0, Update{Incarnation: 4, State: StateLeft, From: "a"}, 5, true},
		{"stale suspicion", 5, Update{Incarnation: 4, State: StateSuspect, From: "a"}, 5, false},
		{"alive at a higher incarnation is adopted silently", 1, Update{Incarnation: 6, State: StateAlive, From: "a"}, 6, false},
		{"alive at a lower incarnation is stale", 6, Update{Incarnation: 1, State: StateAlive, From: "a"}, 6, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, nil, func(c *Config) { c.InitialIncarnation = tc.own })
			u := tc.u
			u.Member = peer(0)
			n.Observe(epoch, u)
			rd := n.Ready()
			assert.Equal(t, tc.wantInc, n.Incarnation())
			if !tc.wantAlive {
				assert.Empty(t, broadcasts(rd))
				assert.Zero(t, n.LocalHealth())
				return
			}
			assert.Equal(t, []Update{{Member: peer(0), Incarnation: tc.wantInc, State: StateAlive, From: peer(0).ID}}, broadcasts(rd))
			assert.Equal(t, 1, n.LocalHealth(), "being suspected is evidence of slowness")
			assert.Equal(t, uint64(1), n.Stats().Refutations)
			_, known := n.Member(peer(0).ID)
			assert.False(t, known, "a node keeps no record of itself")
		})
	}
}

// TestInitialIncarnation checks that a node starts at its configured
// incarnation and says so in its acks.
func TestInitialIncarnation(t *testing.T) {
	n := newTestNode(t, nil, func(c *Config) { c.InitialIncarnation = 7 })
	assert.Equal(t, uint64(7), n.Incarnation())
	n.Step(epoch, peer(1), Ping{Seq: 3, Target: peer(0).ID})
	assert.Equal(t, []overlay.Outgoing{{To: peer(1), Msg: Ack{Seq: 3, Incarnation: 7}}}, n.Ready().Messages)
}

func TestSuspectNoticeRefutes(t *testing.T) {
	notice := func(from overlay.Peer, about overlay.Peer, st State) Suspect {
		return Suspect{Update: Update{Member: about, Incarnation: 0, State: st, From: from.ID}}
	}
	tests := []struct {
		name       string
		from       overlay.Peer
		msg        Suspect
		wantRefute bool
	}{
		{"notice from its asserter", peer(1), notice(peer(1), peer(0), StateSuspect), true},
		{"asserted by someone else than the sender", peer(2), notice(peer(1), peer(0), StateSuspect), false},
		{"about another member", peer(1), notice(peer(1), peer(3), StateSuspect), false},
		{"not a suspicion", peer(1), notice(peer(1), peer(0), StateDead), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, nil)
			n.Step(epoch, tc.from, tc.msg)
			rd := n.Ready()
			if tc.wantRefute {
				assert.Equal(t, uint64(1), n.Incarnation())
				assert.Len(t, broadcasts(rd), 1)
				// The same suspicion arriving by broadcast is now stale.
				n.Observe(epoch, tc.msg.Update)
				assert.Empty(t, broadcasts(n.Ready()))
				assert.Equal(t, uint64(1), n.Incarnation())
				return
			}
			assert.Zero(t, n.Incarnation())
			assert.Empty(t, rd.Events)
			assert.Equal(t, uint64(1), n.Stats().Ignored)
		})
	}
}

func TestIncarnationSaturates(t *testing.T) {
	n := newTestNode(t, nil)
	n.incarnation = math.MaxUint64 - 1
	n.Observe(epoch, Update{Member: peer(0), Incarnation: math.MaxUint64 - 1, State: StateSuspect, From: "a"})
	assert.Equal(t, uint64(math.MaxUint64), n.Incarnation())
	assert.Len(t, broadcasts(n.Ready()), 1)

	n.Observe(epoch, Update{Member: peer(0), Incarnation: math.MaxUint64, State: StateSuspect, From: "a"})
	assert.Equal(t, uint64(math.MaxUint64), n.Incarnation(), "never wraps")
	assert.Empty(t, broadcasts(n.Ready()), "no Alive can outrank it")
	assert.Equal(t, uint64(1), n.Stats().IncarnationSaturated)
}

// runUntil ticks n every 100 ms from `from` to `to` inclusive and returns
// the Dead verdicts it broadcast, with their times.
func runUntil(n *Node, from, to time.Time) (dead []Update, at []time.Time) {
	for now := from; !now.After(to); now = now.Add(100 * time.Millisecond) {
		n.Tick(now)
		for _, u := range broadcasts(n.Ready()) {
			if u.State == StateDead {
				dead = append(dead, u)
				at = append(at, now)
			}
		}
	}
	return dead, at
}

func TestAliveCancelsSuspicion(t *testing.T) {
	x := peer(5)
	tests := []struct {
		name     string
		alive    uint64
		wantDead bool
	}{
		{"higher incarnation refutes", 4, false},
		{"equal incarnation does not", 3, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, nil)
			n.Observe(epoch, Update{Member: x, Incarnation: 3, State: StateSuspect, From: "a"})
			n.Observe(epoch.Add(time.Second), Update{Member: x, Incarnation: tc.alive, State: StateAlive, From: x.ID})
			dead, _ := runUntil(n, epoch, epoch.Add(10*time.Minute))
			assert.Equal(t, tc.wantDead, len(dead) == 1)
			assert.Empty(t, n.suspected)
		})
	}
}

func TestDeadAndLeftEndSuspicion(t *testing.T) {
	x := peer(5)
	for _, st := range []State{StateDead, StateLeft} {
		t.Run(st.String(), func(t *testing.T) {
			n := newTestNode(t, nil)
			n.Observe(epoch, Update{Member: x, Incarnation: 3, State: StateSuspect, From: "a"})
			n.Observe(epoch, Update{Member: x, Incarnation: 3, State: st, From: "b"})
			dead, _ := runUntil(n, epoch, epoch.Add(10*time.Minute))
			assert.Empty(t, dead, "someone else's verdict is not repeated")
			got, _ := n.Member(x.ID)
			assert.Equal(t, st, got.State)

			// Final for the incarnation; a rejoin at a higher one revives it.
			n.Observe(epoch, Update{Member: x, Incarnation: 3, State: StateAlive, From: "c"})
			got, _ = n.Member(x.ID)
			assert.Equal(t, st, got.State)
			n.Observe(epoch, Update{Member: x, Incarnation: 4, State: StateAlive, From: x.ID})
			got, _ = n.Member(x.ID)
			assert.Equal(t, StateAlive, got.State)
		})
	}
}

func TestSuspicionObservedEndsInDeadVerdict(t *testing.T) {
	// Any node's suspicion starts a timer here, not only this node's own.
	x := peer(5)
	n := newTestNode(t, nil)
	n.Observe(epoch, Update{Member: x, Incarnation: 2, State: StateSuspect, From: "a"})
	dead, _ := runUntil(n, epoch, epoch.Add(10*time.Minute))
	require.Equal(t, []Update{{Member: x, Incarnation: 2, State: StateDead, From: peer(0).ID}}, dead)
	got, _ := n.Member(x.ID)
	assert.Equal(t, StateDead, got.State)
	assert.Equal(t, uint64(1), n.Stats().DeadDeclared)

	// The verdict, delivered back by the cluster, is not news.
	n.Observe(epoch, dead[0])
	assert.Equal(t, uint64(1), n.Stats().StaleUpdates)
}

func TestLeave(t *testing.T) {
	n := newTestNode(t, peers(1, 2))
	n.incarnation = 3
	startProbe(t, n, epoch)
	n.Leave(epoch)
	n.Leave(epoch)
	rd := n.Ready()
	assert.Equal(t, []Update{{Member: peer(0), Incarnation: 3, State: StateLeft, From: peer(0).ID}}, broadcasts(rd), "once")

	// No more probing, refuting or verdicts; pings are still answered.
	n.Observe(epoch, Update{Member: peer(0), Incarnation: 3, State: StateSuspect, From: "a"})
	n.Observe(epoch, Update{Member: peer(7), Incarnation: 0, State: StateSuspect, From: "a"})
	for d := time.Duration(0); d < time.Hour; d += 500 * time.Millisecond {
		n.Tick(epoch.Add(d))
	}
	rd = n.Ready()
	assert.Empty(t, rd.Events)
	assert.Empty(t, rd.Messages)
	assert.Equal(t, uint64(3), n.Incarnation())
	n.Step(epoch, peer(1), Ping{Seq: 4})
	acks, _ := ofType[Ack](n.Ready())
	assert.Len(t, acks, 1)
}
