package node

import (
	"bytes"
	"crypto/ed25519"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

// With a KeyAuthority, a member's record key is bound to its name by the
// cluster CA, not by first use: a record of a member this node holds no
// record of is merged only if its key comes with the member's binding
// (overlay.RecordKeyBinding: the member's certificate, which the CA issued
// for its name, and the certificate key's signature of the name and the
// record key). An insider's certificate binds only its own name, so it
// cannot bind a key to a name that is not yet in the catalog.
//
// The binding, about 600 bytes, travels only where a receiver may not hold
// the member: in the member's own broadcast at each new incarnation and
// after each reconnection, and in the answers to a SyncRequest. A node
// that gets, by anti-entropy, records of members it does not hold asks the
// sender for their bindings with a SyncRequest naming them. A node checks
// a member's binding once, when it first merges one of its records, and
// keeps it, to pass on, as long as the catalog holds the member. Without a
// KeyAuthority (the simulator, which has no CA) keys bind on first use.

// KeyAuthority binds record keys to node names. [overlay.Identity] is one,
// through the cluster CA.
type KeyAuthority interface {
	// BindRecordKey returns this node's binding of its record key. The
	// agent calls it once at start; the Core never does (a binding's
	// signature may use randomness).
	BindRecordKey(key ed25519.PublicKey) (overlay.RecordKeyBinding, error)
	// VerifyRecordKeyBinding checks another member's binding at now.
	VerifyRecordKeyBinding(b overlay.RecordKeyBinding, now time.Time) error
}

// keyBindings is the Core's state of record key bindings.
type keyBindings struct {
	// bound holds the binding of every member whose key it checked (and
	// this node's own), while the catalog holds the member.
	bound map[overlay.NodeID]overlay.RecordKeyBinding
	// offered are the bindings of the message being applied, unchecked;
	// unbound the members whose records it dropped for want of one.
	offered map[overlay.NodeID]overlay.RecordKeyBinding
	unbound []overlay.NodeID
	// announced is set once a broadcast of the own record at announcedInc
	// carried the own binding; reset on reconnection.
	announced    bool
	announcedInc uint64
}

func newKeyBindings(cfg Config) keyBindings {
	k := keyBindings{bound: map[overlay.NodeID]overlay.RecordKeyBinding{}}
	if cfg.KeyBinding != nil {
		k.bound[cfg.Self.ID] = *cfg.KeyBinding
	}
	return k
}

// offer makes bs the bindings the records applied next may bind their keys
// with, until settle.
func (c *Core) offer(bs ...overlay.RecordKeyBinding) {
	c.keys.offered, c.keys.unbound = nil, nil
	for _, b := range bs {
		if c.keys.offered == nil {
			c.keys.offered = make(map[overlay.NodeID]overlay.RecordKeyBinding, len(bs))
		}
		if _, dup := c.keys.offered[b.Node]; !dup {
			c.keys.offered[b.Node] = b
		}
	}
}

// settle ends what offer began and returns the members whose records were
// dropped for want of a binding.
func (c *Core) settle() []overlay.NodeID {
	unbound := c.keys.unbound
	c.keys.offered, c.keys.unbound = nil, nil
	return unbound
}

// keyBound reports whether r's key may speak for a member this node holds
// no record of: always without a KeyAuthority; with one, if the member's
// binding of that key was checked before, or is offered and checks now.
// A record without a binding is counted as unbound, one with a binding
// that fails as forged.
func (c *Core) keyBound(now time.Time, r *catalog.Record) bool {
	if c.cfg.KeyAuthority == nil {
		return true
	}
	id := r.Member.ID
	if b, ok := c.keys.bound[id]; ok && bytes.Equal(b.Key, r.Key) {
		return true
	}
	b, ok := c.keys.offered[id]
	if !ok {
		c.stats.UnboundRecords++
		c.keys.unbound = append(c.keys.unbound, id)
		return false
	}
	if !bytes.Equal(b.Key, r.Key) || c.cfg.KeyAuthority.VerifyRecordKeyBinding(b, now) != nil {
		c.stats.ForgedRecords++
		return false
	}
	c.keys.bound[id] = b
	return true
}

// forgetBindings drops the bindings of members the catalog forgot.
func (c *Core) forgetBindings(ids []overlay.NodeID) {
	for _, id := range ids {
		delete(c.keys.bound, id)
	}
}

// bindingToAnnounce returns the own binding if the broadcast of the own
// record at inc is to carry it: the first broadcast of each incarnation,
// and the first after reconnecting, which may reach members that forgot
// this node. Nil otherwise, and without a KeyAuthority.
func (c *Core) bindingToAnnounce(inc uint64) *overlay.RecordKeyBinding {
	k := &c.keys
	if c.cfg.KeyBinding == nil || k.announced && k.announcedInc == inc {
		return nil
	}
	k.announced, k.announcedInc = true, inc
	return c.cfg.KeyBinding
}

// bindingsOf returns the bindings held of the members of records.
func (c *Core) bindingsOf(records []catalog.Record) []overlay.RecordKeyBinding {
	var bs []overlay.RecordKeyBinding
	for _, r := range records {
		if b, ok := c.keys.bound[r.Member.ID]; ok {
			bs = append(bs, b)
		}
	}
	return bs
}

// requestBindings asks from for the bindings of the members whose records
// it sent without one, at most a message's worth. Only a Records without
// bindings leads to a request, and an answer always carries them, so
// requests never answer each other.
func (c *Core) requestBindings(from overlay.Peer, unbound []overlay.NodeID) {
	if len(unbound) == 0 {
		return
	}
	c.send(from, SyncRequest{Members: unbound[:min(len(unbound), c.cfg.MaxRecordsPerMessage)]})
}

// boundRecords answers a SyncRequest naming members: the records held of
// those that have a binding here.
func (c *Core) boundRecords(ids []overlay.NodeID) []catalog.Record {
	var records []catalog.Record
	for _, id := range ids[:min(len(ids), c.cfg.MaxRecordsPerMessage)] {
		if _, ok := c.keys.bound[id]; !ok {
			continue
		}
		if r, ok := c.cat.Get(id); ok {
			records = append(records, r)
		}
	}
	return records
}
