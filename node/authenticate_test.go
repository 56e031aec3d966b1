package node

import (
	"crypto/ed25519"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/plumtree"
	"github.com/overlayd/overlayd/swim"
)

// signed returns r signed by its member's simulation key, the key a Core
// configured without one uses.
func signed(t testing.TB, r catalog.Record) catalog.Record {
	t.Helper()
	require.NoError(t, r.Sign(simulationKey(r.Member.ID)))
	return r
}

// attackerKey is a key no member uses.
var attackerKey = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))

// memberRecord is member id's signed record at incarnation inc, version v.
func memberRecord(t testing.TB, id overlay.NodeID, inc, v uint64, services ...catalog.Service) catalog.Record {
	return signed(t, catalog.Record{
		Member: overlay.Peer{ID: id, Addr: string(id) + ":7946"}, Datacenter: "dc1",
		Incarnation: inc, Status: catalog.Alive, OwnerIncarnation: inc, Version: v, Services: services,
	})
}

func newLoneCore(t *testing.T) *Core {
	c, err := New(t0, Config{Self: overlay.Peer{ID: "self", Addr: "self:7946"}, Datacenter: "dc1", Rand: rand.New(rand.NewPCG(1, 2))})
	require.NoError(t, err)
	c.Ready()
	return c
}

var web = catalog.Service{ID: "web-1", Name: "web", Port: 80, Health: catalog.Passing}

func TestForgedRecordsAreDroppedAndCounted(t *testing.T) {
	c := newLoneCore(t)
	legit := memberRecord(t, "m", 1, 1, web)
	c.applyRecord(t0, legit)
	require.Zero(t, c.Stats().ForgedRecords)

	byAttacker := legit
	byAttacker.Version, byAttacker.Services = 2, nil
	require.NoError(t, byAttacker.Sign(attackerKey))
	tampered := memberRecord(t, "m", 1, 3)
	tampered.Member.Addr = "evil:7946"
	unsigned := legit
	unsigned.Version, unsigned.Key, unsigned.Signature = 4, nil, nil
	mismatched := memberRecord(t, "m", 1, 5)
	mismatched.Incarnation = 7 // alive at an incarnation it never signed
	leftByOther := memberRecord(t, "m", 1, 6)
	leftByOther.Status = catalog.Left // Left without the owner saying so
	selfByAttacker := catalog.Record{Member: c.Self(), Datacenter: "dc1", Incarnation: 5, Status: catalog.Alive, OwnerIncarnation: 5, Version: 9}
	require.NoError(t, selfByAttacker.Sign(attackerKey))
	newcomerUnsigned := catalog.Record{Member: overlay.Peer{ID: "n", Addr: "n:1"}, Incarnation: 1, Status: catalog.Alive, OwnerIncarnation: 1, Version: 1}

	forged := []catalog.Record{byAttacker, tampered, unsigned, mismatched, leftByOther, selfByAttacker, newcomerUnsigned}
	for i, r := range forged {
		c.stepCatalog(t0, overlay.Peer{ID: "peer", Addr: "peer:1"}, Records{Records: []catalog.Record{r}})
		assert.Equal(t, uint64(i+1), c.Stats().ForgedRecords, "record %d", i)
	}
	got, _ := c.Member("m")
	assert.True(t, catalog.SameOwnerPart(&got, &legit), "the catalog still holds the member's own record")
	assert.Equal(t, catalog.Alive, got.Status)
	me, _ := c.Member(c.Self().ID)
	assert.Zero(t, me.Incarnation, "nobody else raises this node's incarnation")
	_, ok := c.Member("n")
	assert.False(t, ok)
}

func TestReplayedOldRecordIsDroppedAndCounted(t *testing.T) {
	c := newLoneCore(t)
	old := memberRecord(t, "m", 1, 1, web)
	c.applyRecord(t0, old)
	current := memberRecord(t, "m", 2, 1)
	c.applyRecord(t0, current)
	c.applyRecord(t0, current)
	assert.Zero(t, c.Stats().StaleRecords, "the same record again is redundancy, not a replay")

	c.applyRecord(t0, old)
	assert.Equal(t, uint64(1), c.Stats().StaleRecords)
	assert.Zero(t, c.Stats().ForgedRecords, "a replay is signed")
	got, _ := c.Member("m")
	assert.True(t, catalog.SameOwnerPart(&got, &current))
	assert.Empty(t, c.Nearest(catalog.Query{Service: "web", N: 1}).Instances, "the replayed service stays gone")
}

func TestVerdictNeedsTheOwnersSignedIncarnation(t *testing.T) {
	c := newLoneCore(t)
	m := memberRecord(t, "m", 3, 1, web)
	c.applyRecord(t0, m)
	verdict := func(inc uint64, st swim.State, proof catalog.Record) LivenessUpdate {
		return LivenessUpdate{Update: swim.Update{Member: proof.Member, Incarnation: inc, State: st, From: "peer"}, Proof: proof}
	}
	inflated := m
	inflated.OwnerIncarnation = math.MaxUint64 // the signature no longer covers it

	for name, u := range map[string]LivenessUpdate{
		"dead at the largest incarnation":    verdict(math.MaxUint64, swim.StateDead, m),
		"suspect above the signed one":       verdict(4, swim.StateSuspect, m),
		"proof with an inflated incarnation": verdict(math.MaxUint64, swim.StateDead, inflated),
		"no proof":                           {Update: swim.Update{Member: m.Member, Incarnation: 3, State: swim.StateDead}},
		"alive above the signed one":         verdict(4, swim.StateAlive, m),
	} {
		before := c.Stats().ForgedRecords
		c.applyVerdict(t0, u)
		assert.Equal(t, before+1, c.Stats().ForgedRecords, name)
		got, _ := c.Member("m")
		assert.Equal(t, uint64(3), got.Incarnation, name)
		assert.Equal(t, catalog.Alive, got.Status, name)
	}

	// Another node's answer to a suspicion: the owner's record at its
	// signed incarnation, which SWIM takes and no catalog changes for.
	before := c.Stats().ForgedRecords
	c.applyVerdict(t0, verdict(3, swim.StateAlive, m))
	assert.Equal(t, before, c.Stats().ForgedRecords, "a proven alive is not forged")
	got, _ := c.Member("m")
	assert.True(t, catalog.SameOwnerPart(&got, &m))

	c.applyVerdict(t0, verdict(3, swim.StateDead, m))
	got, _ = c.Member("m")
	assert.Equal(t, catalog.Dead, got.Status, "a verdict at the signed incarnation holds")
	assert.True(t, catalog.SameOwnerPart(&got, &m))
}

// The incarnation-overflow attack of hashicorp/memberlist#358: a suspicion
// of this node at the largest incarnation, by broadcast or sent straight
// to it, would leave it unable ever to refute again.
func TestForgedHugeIncarnationVerdictOnThisNodeIsRejected(t *testing.T) {
	c := newLoneCore(t)
	me, _ := c.Member(c.Self().ID)
	attacker := overlay.Peer{ID: "peer", Addr: "peer:1"}
	huge := swim.Update{Member: c.Self(), Incarnation: math.MaxUint64, State: swim.StateSuspect, From: attacker.ID}

	c.Step(t0, attacker, swim.Suspect{Update: huge})
	c.applyVerdict(t0, LivenessUpdate{Update: huge, Proof: me})
	assert.Equal(t, uint64(2), c.Stats().ForgedRecords)
	assert.Zero(t, c.Incarnation(), "nothing to refute")
	assert.Zero(t, c.ProtocolStats().SWIM.Refutations)

	// A suspicion of the incarnation it signed is refuted, one above.
	current := huge
	current.Incarnation = 0
	c.applyVerdict(t0, LivenessUpdate{Update: current, Proof: me})
	c.drain(t0)
	assert.Equal(t, uint64(1), c.Incarnation())
	after, _ := c.Member(c.Self().ID)
	assert.Equal(t, catalog.Alive, after.Status)
	assert.Equal(t, uint64(1), after.OwnerIncarnation, "the refutation is the node's signed record at the new incarnation")
	assert.NoError(t, after.VerifySignature())
}

// At the largest incarnation a node can no longer refute, but it never
// wraps to a small one that everybody would take for old news.
func TestIncarnationAtItsMaximumNeverWraps(t *testing.T) {
	c := newLoneCore(t)
	c.RaiseIncarnation(t0, math.MaxUint64)
	me, _ := c.Member(c.Self().ID)
	require.Equal(t, uint64(math.MaxUint64), me.OwnerIncarnation)
	c.applyVerdict(t0, LivenessUpdate{Update: swim.Update{Member: c.Self(), Incarnation: math.MaxUint64, State: swim.StateSuspect, From: "peer"}, Proof: me})
	c.drain(t0)
	assert.Equal(t, uint64(math.MaxUint64), c.Incarnation())
	assert.Equal(t, uint64(1), c.ProtocolStats().SWIM.IncarnationSaturated)
}

func TestOwnVerdictWithoutASignedRecordIsNotSent(t *testing.T) {
	c := newLoneCore(t)
	c.applyRecord(t0, memberRecord(t, "m", 2, 1))
	m, _ := c.Member("m")
	c.broadcastVerdict(t0, swim.Update{Member: m.Member, Incarnation: 5, State: swim.StateSuspect, From: c.Self().ID})
	c.broadcastVerdict(t0, swim.Update{Member: overlay.Peer{ID: "unknown", Addr: "u:1"}, State: swim.StateDead, From: c.Self().ID})
	assert.Equal(t, uint64(2), c.Stats().UnprovenVerdicts)
	c.broadcastVerdict(t0, swim.Update{Member: m.Member, Incarnation: 2, State: swim.StateDead, From: c.Self().ID})
	assert.Equal(t, uint64(2), c.Stats().UnprovenVerdicts, "a verdict at the signed incarnation goes out")
}

// An insider, node 5, floods its peers with forged and replayed records
// and a verdict at the largest incarnation; the others drop them all, and
// the legitimate flow still converges.
func TestClusterConvergesDespiteAForgingInsider(t *testing.T) {
	tc := newTestCluster(t, 6)
	for i := 1; i < len(tc.cores); i++ {
		tc.cores[i].Join(tc.now, tc.cores[0].Self())
		tc.flush(i)
	}
	require.True(t, tc.waitFor(30*time.Second, func() bool { return tc.everyLiveNodeSees(tc.all(), catalog.Alive) }))
	victim := tc.cores[1]
	old, _ := tc.cores[0].Member(victim.Self().ID)
	require.NoError(t, victim.RegisterService(tc.now, web))
	tc.flush(1)
	require.True(t, tc.waitFor(10*time.Second, func() bool {
		for _, c := range tc.cores {
			if len(c.Nearest(catalog.Query{Service: "web", N: 1}).Instances) != 1 {
				return false
			}
		}
		return true
	}))
	current, _ := tc.cores[0].Member(victim.Self().ID)

	hijack := current.Clone()
	hijack.Version++
	hijack.Member.Addr = "10.6.6.6:7946"
	require.NoError(t, hijack.Sign(attackerKey))
	dead := swim.Update{Member: victim.Self(), Incarnation: math.MaxUint64, State: swim.StateDead, From: "node-05"}
	deadMsg, err := tc.cores[5].Codec().Marshal(LivenessUpdate{Update: dead, Proof: current})
	require.NoError(t, err)
	for i := range 5 {
		c := tc.cores[i]
		c.Step(tc.now, tc.cores[5].Self(), Records{Records: []catalog.Record{hijack, old}})
		c.onDeliver(tc.now, plumtree.Deliver{Payload: deadMsg, Round: 1})
		tc.flush(i)
	}
	tc.run(30 * time.Second)

	for i := range 5 {
		c := tc.cores[i]
		s := c.Stats()
		assert.Positive(t, s.ForgedRecords, "node %d counted the forgeries", i)
		if i != 1 {
			assert.Positive(t, s.StaleRecords, "node %d counted the replay", i)
		}
		r, _ := c.Member(victim.Self().ID)
		assert.Equal(t, catalog.Alive, r.Status, "node %d", i)
		assert.Equal(t, victim.Incarnation(), r.Incarnation, "node %d", i)
		assert.Equal(t, victim.Self().Addr, r.Member.Addr, "node %d", i)
		assert.Len(t, c.Nearest(catalog.Query{Service: "web", N: 1}).Instances, 1, "node %d still finds the victim's service", i)
	}
	assert.Less(t, victim.Incarnation(), uint64(10), "the victim never jumped to a forged incarnation")
	assert.True(t, tc.everyLiveNodeSees(tc.all(), catalog.Alive))
}
