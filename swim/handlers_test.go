package swim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

func TestHandlePing(t *testing.T) {
	tests := []struct {
		name    string
		target  overlay.NodeID
		wantAck bool
	}{
		{"addressed to this node", peer(0).ID, true},
		{"no target named", "", true},
		{"meant for another node at this address", peer(5).ID, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, nil)
			n.SetAckPayload([]byte("coord"))
			n.incarnation = 4
			n.Step(epoch, peer(3), Ping{Seq: 17, Target: tc.target})
			acks, to := ofType[Ack](n.Ready())
			if !tc.wantAck {
				assert.Empty(t, acks)
				assert.Equal(t, uint64(1), n.Stats().Ignored)
				return
			}
			require.Equal(t, []Ack{{Seq: 17, Payload: []byte("coord"), Incarnation: 4}}, acks)
			assert.Equal(t, peer(3), to[0])
		})
	}
}

func TestSetAckPayloadCopies(t *testing.T) {
	n := newTestNode(t, nil)
	b := []byte("abc")
	n.SetAckPayload(b)
	b[0] = 'X'
	n.Step(epoch, peer(1), Ping{Seq: 1})
	acks, _ := ofType[Ack](n.Ready())
	require.Len(t, acks, 1)
	assert.Equal(t, []byte("abc"), acks[0].Payload)
}

func TestDirectAckInTime(t *testing.T) {
	n := newTestNode(t, peers(1, 2, 3))
	n.health.score = 2
	ping, target := startProbe(t, n, epoch)
	assert.Equal(t, target.ID, ping.Target)

	rtt := 120 * time.Millisecond
	n.Step(epoch.Add(rtt), target, Ack{Seq: ping.Seq, Payload: []byte("p"), Incarnation: 3})
	rd := n.Ready()
	assert.Equal(t, []ProbeRTT{{Peer: target, RTT: rtt, Payload: []byte("p")}}, eventsOf[ProbeRTT](rd))
	assert.Equal(t, 1, n.LocalHealth(), "a successful probe lowers the score")
	st, inc := state(n, target)
	assert.Equal(t, StateAlive, st)
	assert.Equal(t, uint64(3), inc, "the ack reports the target's incarnation")

	// Nothing more happens in this period: no PingReq, no suspicion.
	for d := 100 * time.Millisecond; d < 3*DefaultProbeInterval; d += 100 * time.Millisecond {
		n.Tick(epoch.Add(d))
	}
	rd = n.Ready()
	reqs, _ := ofType[PingReq](rd)
	assert.Empty(t, reqs)
	assert.Empty(t, broadcasts(rd))
	assert.Zero(t, n.Stats().ProbesFailed)
	assert.Equal(t, uint64(1), n.Stats().ProbesAcked)
}

func TestTimeoutSendsPingReqs(t *testing.T) {
	tests := []struct {
		name        string
		active      []overlay.Peer
		wantHelpers int
	}{
		{"enough peers for k helpers", peers(1, 2, 3, 4, 5), DefaultIndirectChecks},
		{"fewer peers than k", peers(1, 2, 3), 2},
		{"the target alone", peers(1), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, tc.active)
			ping, target := startProbe(t, n, epoch)

			n.Tick(epoch.Add(DefaultProbeTimeout - time.Millisecond))
			reqs, _ := ofType[PingReq](n.Ready())
			assert.Empty(t, reqs, "not before the timeout")

			n.Tick(epoch.Add(DefaultProbeTimeout))
			reqs, to := ofType[PingReq](n.Ready())
			require.Len(t, reqs, tc.wantHelpers)
			assert.NotContains(t, ids(to), target.ID, "the target is no helper")
			assert.NotContains(t, ids(to), peer(0).ID)
			assert.ElementsMatch(t, ids(to), uniq(ids(to)), "distinct helpers")
			for _, r := range reqs {
				assert.Equal(t, PingReq{Seq: ping.Seq, Target: target, TimeoutMillis: uint32(DefaultProbeTimeout.Milliseconds())}, r)
			}
			assert.Equal(t, uint64(tc.wantHelpers), n.Stats().PingReqsSent)

			n.Tick(epoch.Add(DefaultProbeTimeout + 100*time.Millisecond))
			reqs, _ = ofType[PingReq](n.Ready())
			assert.Empty(t, reqs, "PingReqs go out once")
		})
	}
}

func uniq(in []overlay.NodeID) []overlay.NodeID {
	seen := map[overlay.NodeID]bool{}
	var out []overlay.NodeID
	for _, id := range in {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func TestIndirectAckPreventsSuspicion(t *testing.T) {
	n := newTestNode(t, peers(1, 2, 3, 4))
	ping, _ := startProbe(t, n, epoch)
	n.Tick(epoch.Add(DefaultProbeTimeout))
	_, helpers := ofType[PingReq](n.Ready())
	require.NotEmpty(t, helpers)

	n.Step(epoch.Add(700*time.Millisecond), helpers[0], Ack{Seq: ping.Seq, Payload: []byte("p")})
	n.Tick(epoch.Add(verdictAfter))
	rd := n.Ready()
	assert.Empty(t, broadcasts(rd))
	assert.Empty(t, eventsOf[ProbeRTT](rd), "an indirect ack measures no direct RTT")
	sus, _ := ofType[Suspect](rd)
	assert.Empty(t, sus)
	assert.Equal(t, uint64(1), n.Stats().IndirectAcks)
	assert.Zero(t, n.Stats().ProbesFailed)
}

func TestLateDirectAckStillCounts(t *testing.T) {
	n := newTestNode(t, peers(1, 2, 3))
	ping, target := startProbe(t, n, epoch)
	n.Tick(epoch.Add(DefaultProbeTimeout))
	n.Ready()
	n.Step(epoch.Add(800*time.Millisecond), target, Ack{Seq: ping.Seq})
	n.Tick(epoch.Add(verdictAfter))
	rd := n.Ready()
	assert.Equal(t, []ProbeRTT{{Peer: target, RTT: 800 * time.Millisecond}}, eventsOf[ProbeRTT](rd))
	assert.Empty(t, broadcasts(rd))
}

func TestFullMissSuspectsTarget(t *testing.T) {
	tests := []struct {
		name    string
		known   *Update // what the cluster said of the target before
		wantInc uint64
	}{
		{"target never heard of", nil, 0},
		{"target known alive at incarnation 7", &Update{Incarnation: 7, State: StateAlive, From: "x"}, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, peers(1))
			n.SetClusterSize(1)
			if tc.known != nil {
				u := *tc.known
				u.Member = peer(1)
				n.Observe(epoch, u)
			}
			_, target := startProbe(t, n, epoch)
			require.Equal(t, peer(1), target)
			n.Tick(epoch.Add(DefaultProbeTimeout))
			n.Tick(epoch.Add(verdictAfter - time.Millisecond))
			require.Empty(t, broadcasts(n.Ready()), "no verdict before the period ends")

			end := epoch.Add(verdictAfter)
			n.Tick(end)
			rd := n.Ready()
			want := Update{Member: target, Incarnation: tc.wantInc, State: StateSuspect, From: peer(0).ID}
			assert.Equal(t, []Update{want}, broadcasts(rd))
			sus, to := ofType[Suspect](rd)
			require.Equal(t, []Suspect{{Update: want}}, sus, "the suspect is told directly")
			assert.Equal(t, target, to[0])
			st, inc := state(n, target)
			assert.Equal(t, StateSuspect, st)
			assert.Equal(t, tc.wantInc, inc)
			assert.Equal(t, uint64(1), n.Stats().ProbesFailed)
			assert.Equal(t, uint64(1), n.Stats().SuspicionsRaised)
			// The next period starts at once with a new ping.
			pings, _ := ofType[Ping](rd)
			assert.Len(t, pings, 1)
		})
	}
}

func TestFailedProbeConfirmsRunningSuspicion(t *testing.T) {
	n := newTestNode(t, peers(1))
	n.SetClusterSize(100)
	n.Observe(epoch, Update{Member: peer(1), Incarnation: 2, State: StateSuspect, From: peer(8).ID})
	startProbe(t, n, epoch)
	n.Tick(epoch.Add(verdictAfter))
	rd := n.Ready()
	mine := Update{Member: peer(1), Incarnation: 2, State: StateSuspect, From: peer(0).ID}
	assert.Equal(t, []Update{mine}, broadcasts(rd), "this node's own confirmation goes to the cluster")
	assert.Equal(t, 1, n.members[peer(1).ID].suspicion.confirmations)

	// A second failure repeats the notice but not the broadcast.
	next := epoch.Add(verdictAfter)
	n.Tick(next)
	require.NotNil(t, n.probe, "the next probe starts")
	n.Tick(next.Add(2 * n.probe.timeout))
	rd = n.Ready()
	assert.Empty(t, broadcasts(rd))
	sus, _ := ofType[Suspect](rd)
	assert.Equal(t, []Suspect{{Update: mine}}, sus)
}

func TestFailedProbeOfDeadMemberChangesNothing(t *testing.T) {
	for _, st := range []State{StateDead, StateLeft} {
		t.Run(st.String(), func(t *testing.T) {
			n := newTestNode(t, peers(1))
			n.Observe(epoch, Update{Member: peer(1), Incarnation: 1, State: st, From: "x"})
			startProbe(t, n, epoch)
			n.Tick(epoch.Add(verdictAfter))
			rd := n.Ready()
			assert.Empty(t, broadcasts(rd))
			sus, _ := ofType[Suspect](rd)
			assert.Empty(t, sus)
		})
	}
}

func TestBadAcksAndNacks(t *testing.T) {
	tests := []struct {
		name      string
		from      overlay.Peer
		msg       func(seq uint32) overlay.Message
		wantStats Stats
	}{
		{"ack for an unknown seq", peer(1), func(s uint32) overlay.Message { return Ack{Seq: s + 100} }, Stats{UnknownSeq: 1}},
		{"ack from a peer not involved", peer(9), func(s uint32) overlay.Message { return Ack{Seq: s} }, Stats{WrongPeer: 1}},
		{"nack for an unknown seq", peer(2), func(s uint32) overlay.Message { return Nack{Seq: s + 100} }, Stats{UnknownSeq: 1}},
		{"nack from a peer not asked", peer(9), func(s uint32) overlay.Message { return Nack{Seq: s} }, Stats{WrongPeer: 1}},
		{"message from this node itself", peer(0), func(s uint32) overlay.Message { return Ack{Seq: s} }, Stats{Ignored: 1}},
		{"peer without an ID", overlay.Peer{Addr: "x"}, func(s uint32) overlay.Message { return Ping{Seq: s} }, Stats{Ignored: 1}},
		{"message of another protocol", peer(1), func(uint32) overlay.Message { return foreign{} }, Stats{Ignored: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Peers 1 and 2 are the only active peers: 1 is probed, 2 helps.
			n := newTestNode(t, peers(1, 2))
			n.rotation.peers, n.rotation.next = peers(1, 2), 0
			ping, target := startProbe(t, n, epoch)
			require.Equal(t, peer(1), target)
			n.Tick(epoch.Add(DefaultProbeTimeout))
			n.Ready()
			before := n.Stats()

			n.Step(epoch.Add(600*time.Millisecond), tc.from, tc.msg(ping.Seq))
			got := n.Stats()
			assert.Equal(t, tc.wantStats.UnknownSeq, got.UnknownSeq-before.UnknownSeq, "UnknownSeq")
			assert.Equal(t, tc.wantStats.WrongPeer, got.WrongPeer-before.WrongPeer, "WrongPeer")
			assert.Equal(t, tc.wantStats.Ignored, got.Ignored-before.Ignored, "Ignored")
			assert.Empty(t, n.Ready().Events)
			require.NotNil(t, n.probe, "the probe goes on")
		})
	}
}

// foreign is a message of a protocol SWIM does not speak.
type foreign struct{}

func (foreign) Protocol() overlay.Protocol { return overlay.ProtoPlumtree }
func (foreign) Type() overlay.MsgType      { return 1 }

func TestHelper(t *testing.T) {
	requester, target := peer(1), peer(2)
	tests := []struct {
		name      string
		timeoutMs uint32
		ackAfter  time.Duration // 0: the target never answers
		wantNack  time.Duration // when the nack is due; 0: none
		wantAck   bool
	}{
		{"target answers in time: ack forwarded", 500, 100 * time.Millisecond, 0, true},
		{"target silent: nack at 80% of the requester's timeout", 500, 0, 400 * time.Millisecond, false},
		{"longer requester timeout stretches the nack", 1000, 0, 800 * time.Millisecond, false},
		{"no timeout given: this node's own", 0, 0, DefaultProbeTimeout * 8 / 10, false},
		{"absurd timeout is bounded", 1 << 31, 0, DefaultMaxLocalHealth * (DefaultSuspicionMaxTimeoutMult * DefaultSuspicionTimeout / 2) * 8 / 10, false},
		{"ack after the nack is still forwarded", 500, 450 * time.Millisecond, 400 * time.Millisecond, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, nil) // helpers need not hold the target as a neighbour
			n.Step(epoch, requester, PingReq{Seq: 77, Target: target, TimeoutMillis: tc.timeoutMs})
			pings, to := ofType[Ping](n.Ready())
			require.Len(t, pings, 1)
			assert.Equal(t, target, to[0])
			assert.Equal(t, target.ID, pings[0].Target)

			var nackAt, ackAt time.Duration
			end := 5 * time.Second * DefaultMaxLocalHealth
			for d := time.Duration(0); d <= end; d += 10 * time.Millisecond {
				if tc.ackAfter != 0 && d == tc.ackAfter {
					n.Step(epoch.Add(d), target, Ack{Seq: pings[0].Seq, Payload: []byte("c"), Incarnation: 6})
				}
				n.Tick(epoch.Add(d))
				rd := n.Ready()
				if nacks, to := ofType[Nack](rd); len(nacks) > 0 {
					require.Equal(t, []Nack{{Seq: 77}}, nacks)
					require.Equal(t, requester, to[0])
					require.Zero(t, nackAt, "one nack")
					nackAt = d
				}
				if acks, to := ofType[Ack](rd); len(acks) > 0 {
					require.Equal(t, []Ack{{Seq: 77, Payload: []byte("c"), Incarnation: 6}}, acks)
					require.Equal(t, requester, to[0])
					ackAt = d
				}
			}
			assert.Equal(t, tc.wantNack, nackAt, "nack time")
			assert.Equal(t, tc.wantAck, ackAt != 0, "ack forwarded")
			assert.Empty(t, n.relays, "the relay is forgotten")
		})
	}
}

func TestHelperRefusals(t *testing.T) {
	tests := []struct {
		name string
		from overlay.Peer
		req  PingReq
	}{
		{"PingReq for this node itself", peer(1), PingReq{Seq: 1, Target: peer(0)}},
		{"PingReq for the requester itself", peer(1), PingReq{Seq: 1, Target: peer(1)}},
		{"PingReq without a valid target", peer(1), PingReq{Seq: 1, Target: overlay.Peer{Addr: "x"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNode(t, nil)
			n.Step(epoch, tc.from, tc.req)
			assert.Empty(t, n.Ready().Messages)
			assert.Equal(t, uint64(1), n.Stats().Ignored)
		})
	}
	t.Run("duplicate PingReq", func(t *testing.T) {
		n := newTestNode(t, nil)
		n.Step(epoch, peer(1), PingReq{Seq: 1, Target: peer(2)})
		n.Step(epoch, peer(1), PingReq{Seq: 1, Target: peer(2)})
		pings, _ := ofType[Ping](n.Ready())
		assert.Len(t, pings, 1)
	})
	t.Run("ack for a relay from someone else than its target", func(t *testing.T) {
		n := newTestNode(t, nil)
		n.Step(epoch, peer(1), PingReq{Seq: 1, Target: peer(2)})
		pings, _ := ofType[Ping](n.Ready())
		n.Step(epoch, peer(3), Ack{Seq: pings[0].Seq})
		acks, _ := ofType[Ack](n.Ready())
		assert.Empty(t, acks)
		assert.Equal(t, uint64(1), n.Stats().WrongPeer)
	})
	t.Run("too many relays", func(t *testing.T) {
		n := newTestNode(t, nil)
		for i := range maxRelays + 1 {
			n.Step(epoch, peer(1), PingReq{Seq: uint32(i), Target: peer(2)})
		}
		assert.Len(t, n.relays, maxRelays)
		assert.Equal(t, uint64(1), n.Stats().RelaysDropped)
	})
}

func TestIndirectProbeThroughHelper(t *testing.T) {
	// End to end across three nodes: the requester's direct ping is lost,
	// the helper reaches the target, and its forwarded ack saves the target.
	req := newTestNode(t, peers(1, 2))
	req.rotation.peers, req.rotation.next = peers(1, 2), 0
	helper := newTestNode(t, nil, func(c *Config) { c.Self = peer(2) })
	target := newTestNode(t, nil, func(c *Config) { c.Self = peer(1) })

	startProbe(t, req, epoch) // the ping to peer 1 is lost
	req.Tick(epoch.Add(DefaultProbeTimeout))
	reqs, to := ofType[PingReq](req.Ready())
	require.Equal(t, peers(2), to)

	helper.Step(epoch.Add(510*time.Millisecond), peer(0), reqs[0])
	pings, _ := ofType[Ping](helper.Ready())
	target.Step(epoch.Add(520*time.Millisecond), peer(2), pings[0])
	acks, _ := ofType[Ack](target.Ready())
	helper.Step(epoch.Add(530*time.Millisecond), peer(1), acks[0])
	fwd, _ := ofType[Ack](helper.Ready())
	req.Step(epoch.Add(540*time.Millisecond), peer(2), fwd[0])

	req.Tick(epoch.Add(verdictAfter))
	assert.Empty(t, broadcasts(req.Ready()))
	assert.Equal(t, uint64(1), req.Stats().IndirectAcks)
}
