package node

import (
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/swim"
)

// applyRecord merges a member's record, once authenticated, into the
// catalog and tells SWIM the liveness it asserts.
func (c *Core) applyRecord(now time.Time, r catalog.Record) {
	if !c.authenticate(now, &r) || !c.applyToCatalog(now, r) {
		return
	}
	if state, ok := swimState(r.Status); ok {
		u := swim.Update{Member: r.Member, Incarnation: r.Incarnation, State: state}
		if state == swim.StateAlive || state == swim.StateLeft {
			u.From = r.Member.ID // only the member asserts these
		}
		// A suspicion learnt from a record has no known asserter, so it
		// counts as no independent confirmation.
		c.sw.Observe(now, u)
	}
}

// applyToCatalog merges r and reports whether the catalog took it. A
// member held dead that comes back alive means a partition has healed: the
// two sides now each hold the other dead, and every node must hear that
// to refute it, so an anti-entropy exchange starts at once instead of at
// the next interval.
func (c *Core) applyToCatalog(now time.Time, r catalog.Record) bool {
	before, known := c.cat.Get(r.Member.ID)
	if _, err := c.cat.Apply(now, r); err != nil {
		c.stats.RejectedRecords++
		return false
	}
	if known && before.Status == catalog.Dead {
		if after, _ := c.cat.Get(r.Member.ID); after.Status == catalog.Alive && now.Sub(c.lastRevivalSync) >= time.Second {
			c.lastRevivalSync = now
			c.startAntiEntropy(c.digestBuckets())
		}
	}
	return true
}

func swimState(s catalog.Status) (swim.State, bool) {
	switch s {
	case catalog.Alive:
		return swim.StateAlive, true
	case catalog.Suspect:
		return swim.StateSuspect, true
	case catalog.Dead:
		return swim.StateDead, true
	case catalog.Left:
		return swim.StateLeft, true
	}
	return 0, false
}

func catalogStatus(s swim.State) catalog.Status {
	switch s {
	case swim.StateSuspect:
		return catalog.Suspect
	case swim.StateDead:
		return catalog.Dead
	case swim.StateLeft:
		return catalog.Left
	}
	return catalog.Alive
}
