package node

import (
	"crypto/ed25519"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/plumtree"
	"github.com/overlayd/overlayd/swim"
)

// An insider relaying or forging suspicions in other members' names would
// make one suspicion look confirmed by many, and shorten its timeout. Only
// an accuser's own signature keeps its name on a verdict; without it the
// verdict still holds, as from no known accuser, and confirms nothing.
func TestVerdictCountsOnlyTheAccusersWhoSignedIt(t *testing.T) {
	c := newLoneCore(t)
	m := memberRecord(t, "m", 3, 1)
	c.applyRecord(t0, m)
	c.applyRecord(t0, memberRecord(t, "a", 1, 1))
	c.applyRecord(t0, memberRecord(t, "b", 1, 1))
	suspicion := func(from overlay.NodeID) swim.Update {
		return swim.Update{Member: m.Member, Incarnation: 3, State: swim.StateSuspect, From: from}
	}
	signedBy := func(u swim.Update, key ed25519.PrivateKey) LivenessUpdate {
		return LivenessUpdate{Update: u, Proof: m, Accusation: ed25519.Sign(key, accusationBytes(u))}
	}
	stale := func() uint64 { return c.ProtocolStats().SWIM.StaleUpdates }
	c.sw.SetClusterSize(10) // large enough that SWIM expects confirmations

	c.applyVerdict(t0, signedBy(suspicion("a"), simulationKey("a")))
	require.Zero(t, c.Stats().UnsignedAccusations)
	got, _ := c.Member("m")
	require.Equal(t, "suspect", got.Status.String())

	for name, v := range map[string]LivenessUpdate{
		"b named, a signed":        signedBy(suspicion("b"), simulationKey("a")),
		"b named, unsigned":        {Update: suspicion("b"), Proof: m},
		"b named, another verdict": {Update: suspicion("b"), Proof: m, Accusation: signedBy(swim.Update{Member: m.Member, Incarnation: 2, State: swim.StateSuspect, From: "b"}, simulationKey("b")).Accusation},
		"an unknown accuser":       signedBy(suspicion("z"), simulationKey("z")),
	} {
		before, staleBefore := c.Stats().UnsignedAccusations, stale()
		c.applyVerdict(t0, v)
		assert.Equal(t, before+1, c.Stats().UnsignedAccusations, name)
		assert.Equal(t, staleBefore+1, stale(), "%s: no new confirmation", name)
	}

	staleBefore := stale()
	c.applyVerdict(t0, signedBy(suspicion("b"), simulationKey("b")))
	assert.Equal(t, staleBefore, stale(), "b's own signature confirms the suspicion")
	assert.Equal(t, uint64(4), c.Stats().UnsignedAccusations)
}

// This node's own verdicts go out signed, and another node that holds
// this node's record keeps it as their accuser.
func TestOwnVerdictIsSignedByThisNode(t *testing.T) {
	c := newLoneCore(t)
	c.applyRecord(t0, memberRecord(t, "m", 2, 1))
	m, _ := c.Member("m")
	c.pt.Ready()
	c.broadcastVerdict(t0, swim.Update{Member: m.Member, Incarnation: 2, State: swim.StateSuspect, From: c.Self().ID})
	var sent []LivenessUpdate
	for _, e := range c.pt.Ready().Events {
		if d, ok := e.(plumtree.Deliver); ok {
			msg, err := c.Codec().Unmarshal(d.Payload)
			require.NoError(t, err)
			if v, ok := msg.(LivenessUpdate); ok {
				sent = append(sent, v)
			}
		}
	}
	require.Len(t, sent, 1)

	other, err := New(t0, Config{Self: overlay.Peer{ID: "other", Addr: "other:7946"}, Datacenter: "dc1", Rand: rand.New(rand.NewPCG(5, 6))})
	require.NoError(t, err)
	me, _ := c.Member(c.Self().ID)
	other.applyRecord(t0, me)
	other.applyRecord(t0, m)
	other.applyVerdict(t0, sent[0])
	assert.Zero(t, other.Stats().UnsignedAccusations)
	got, _ := other.Member("m")
	assert.Equal(t, "suspect", got.Status.String())
}
