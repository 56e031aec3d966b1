package node

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/swim"
)

// Only a member speaks for its own record. It signs the owner part of
// every record it publishes with its Ed25519 key (catalog.Record.Sign),
// and every record that reaches this node, by broadcast or anti-entropy,
// must pass authenticate before it is merged:
//
//   - the owner part is signed by the key the record carries;
//   - that key is the one this node holds for the member: its own for this
//     node, the key of the record held otherwise. A member's first signed
//     record binds its key here: with a KeyAuthority, only if it comes
//     with the member's CA binding of the key (authenticate_binding.go);
//     without one, on first use;
//   - the liveness part names the incarnation the owner signed, exactly:
//     Incarnation equals OwnerIncarnation. A suspect or dead verdict
//     therefore carries the owner's signed record of that incarnation as
//     its proof (LivenessUpdate.Proof), and a verdict at an incarnation
//     the owner never reached cannot be made (hashicorp/memberlist#358);
//   - Left is asserted only by the member: Status is Left exactly when the
//     owner part says so.
//
// A record failing any of these is dropped and counted as forged. One
// whose owner part is older than the record held, and whose liveness is no
// newer, is a replay or late news: dropped and counted as stale. Every record the catalog holds
// passed these rules, and a merge of two records that pass them passes
// them too, so anti-entropy sends only records that pass.

// authenticate reports whether r may be merged, counting what it drops.
func (c *Core) authenticate(now time.Time, r *catalog.Record) bool {
	held, known := c.cat.Get(r.Member.ID)
	switch {
	case r.Incarnation != r.OwnerIncarnation, (r.Status == catalog.Left) != r.Left:
		c.stats.ForgedRecords++
		return false
	case known && catalog.SameOwnerPart(&held, r):
		// Verified when it was merged; only the liveness part is new.
	case c.wrongKey(r, &held, known), r.VerifySignature() != nil:
		c.stats.ForgedRecords++
		return false
	case !known && r.Member.ID != c.cfg.Self.ID && !c.keyBound(now, r):
		return false // counted by keyBound
	}
	if known && stale(&held, r) {
		c.stats.StaleRecords++
		return false
	}
	return true
}

// wrongKey reports whether r carries a key other than the one that speaks
// for its member: this node's own, or the one in the member's record
// held. A member this node holds no record of may bind any key that
// keyBound allows.
func (c *Core) wrongKey(r, held *catalog.Record, known bool) bool {
	switch {
	case r.Member.ID == c.cfg.Self.ID:
		return !bytes.Equal(r.Key, c.key.Public().(ed25519.PublicKey))
	case known:
		return !bytes.Equal(r.Key, held.Key)
	}
	return false
}

// stale reports whether r is a replay or late news: its owner part older
// than held's, and its liveness part no newer. (A verdict of the held
// incarnation may carry an older owner part as its proof: it is news.)
func stale(held, r *catalog.Record) bool {
	ownerOlder := r.OwnerIncarnation < held.OwnerIncarnation ||
		r.OwnerIncarnation == held.OwnerIncarnation && r.Version < held.Version
	livenessNewer := r.Incarnation > held.Incarnation ||
		r.Incarnation == held.Incarnation && r.Status > held.Status
	return ownerOlder && !livenessNewer
}

// broadcastVerdict disseminates an update SWIM originated. This node's
// own Alive (a refutation) or Left goes out as its signed record at the
// new incarnation or with Left set. A verdict on another member goes out
// with that member's signed record of the verdict's incarnation as proof;
// without one held, it cannot be proven, and is counted and dropped: SWIM
// learnt the incarnation from the member's ack before its record arrived,
// and the member's next failed probe, or its dead verdict, tries again.
func (c *Core) broadcastVerdict(now time.Time, u swim.Update) {
	if u.Member.ID == c.cfg.Self.ID {
		c.left = c.left || u.State == swim.StateLeft
		_ = c.publishOwnRecord(now) // valid by construction
		return
	}
	proof, ok := c.cat.Get(u.Member.ID)
	if !ok || proof.Signature == nil || proof.OwnerIncarnation != u.Incarnation || proof.Left {
		c.stats.UnprovenVerdicts++
		return
	}
	proof.Incarnation, proof.Status = u.Incarnation, catalogStatus(u.State)
	m := LivenessUpdate{Update: u, Proof: proof}
	if u.From == c.cfg.Self.ID {
		m.Accusation = c.accuse(u)
	}
	c.broadcastNow(now, m)
}

// applyVerdict merges a suspect or dead verdict broadcast by any node,
// once its proof holds, into the catalog and into SWIM (which refutes it
// if it names this node). A proven alive is another node's answer to a
// suspicion (it heard from the suspect: swim.Node.Heard): the owner's own
// record at the suspected incarnation, which changes no catalog, since
// suspect outranks alive at one incarnation, and goes to SWIM alone.
func (c *Core) applyVerdict(now time.Time, m LivenessUpdate) {
	u, r := m.Update, m.Proof
	if (u.State != swim.StateSuspect && u.State != swim.StateDead && u.State != swim.StateAlive) || r.Member.ID != u.Member.ID {
		c.stats.ForgedRecords++
		return
	}
	r.Incarnation, r.Status = u.Incarnation, catalogStatus(u.State)
	if !c.authenticate(now, &r) {
		return
	}
	if u.State != swim.StateAlive && !c.applyToCatalog(now, r) {
		return
	}
	c.sw.Observe(now, c.checkAccuser(u, m.Accusation))
}

// unsignedSuspicion reports a SWIM message that would make this node
// refute an incarnation it never signed: a Suspect notice above its own
// incarnation. SWIM would jump to one above it, and a forged notice at the
// largest incarnation would leave it unable to refute ever again. It is
// counted as forged; a suspicion of an earlier life's incarnation still
// reaches the node as a broadcast verdict, with its proof.
func (c *Core) unsignedSuspicion(msg overlay.Message) bool {
	s, ok := msg.(swim.Suspect)
	if !ok || s.Update.Member.ID != c.cfg.Self.ID || s.Update.Incarnation <= c.sw.Incarnation() {
		return false
	}
	c.stats.ForgedRecords++
	return true
}

// simulationKey is the record key of a Core configured without one:
// derived from the node's ID, so that anyone can compute it. It keeps
// simulations and tests deterministic and free of key management; the
// agent always configures a secret key (see AgentConfig).
func simulationKey(id overlay.NodeID) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("overlayd simulation record key\x00" + id))
	return ed25519.NewKeyFromSeed(seed[:])
}
