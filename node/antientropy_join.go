package node

import (
	"time"

	"github.com/overlayd/overlayd/hyparview"
	"github.com/overlayd/overlayd/overlay"
)

// A joiner needs the catalog once, and the members near its contact should
// not all send it. Every agent joins through one of a few seeds, so a
// joiner that took its catalog from its contact made each seed send its
// whole catalog to a third of the cluster: at 1,000 agents 42 times the
// bytes of any other agent, from one event loop (loadtest/RESULTS.md, "Real
// agents in one process"). And a catalog sync over every new link, on
// both ends of the join, sent it again from every node where the join
// walk ended.
//
// So the contact, which forwards the join to its other active peers,
// sends no catalog to the joiner. The joiner asks for the whole catalog
// (SyncRequest) from the first peer other than its contact to take it
// into its active view: where a FORWARD_JOIN walk ended, a random member.
// Until joinSettle has passed since, it opens no digest exchange over its
// other new links and asks for no records in answer to a digest, as the
// peers would send it what the sync brings; then it exchanges digests with
// every active peer but its contact once, for the records its sync source
// had not yet received.

// joinSyncWait is how long a joiner waits for a peer other than its
// contact before it asks whichever active peer it has.
const joinSyncWait = 2 * time.Second

// joinSettle is how long after its sync request a joiner waits before the
// digest exchanges with its active peers.
const joinSettle = 2 * time.Second

// joinSync is a joiner's catalog sync in progress.
type joinSync struct {
	contact  overlay.NodeID
	joinedAt time.Time
	// due is set until the sync request has gone out.
	due bool
	// settleAt is when the digest exchanges follow the sync; zero when
	// none is to come.
	settleAt time.Time
}

// admitting returns the joiner of a HyParView JOIN this node is about to
// handle, if msg is one.
func admitting(from overlay.Peer, msg overlay.Message) overlay.NodeID {
	if _, ok := msg.(hyparview.Join); ok {
		return from.ID
	}
	return ""
}

// syncOverNewLink brings the two ends of a new link to the same catalog,
// as the join's rules above say.
func (c *Core) syncOverNewLink(now time.Time, peer overlay.Peer) {
	switch {
	case peer.ID == c.admitted:
		if len(c.hv.Active()) == 1 {
			// No peer to forward the join to: the contact alone can sync.
			c.sendFullDigest(peer)
		}
	case c.join.due && peer.ID != c.join.contact:
		c.requestJoinSync(now, peer)
	case c.joinSyncing():
		// The sync, or the exchanges after it, cover this link.
	default:
		c.syncWithNewNeighbor(peer)
	}
}

// joinSyncing reports whether a join's sync is yet to come or to settle.
func (c *Core) joinSyncing() bool { return c.join.due || !c.join.settleAt.IsZero() }

func (c *Core) requestJoinSync(now time.Time, peer overlay.Peer) {
	c.send(peer, SyncRequest{})
	c.join.due, c.join.settleAt = false, now.Add(joinSettle)
}

// tickJoinSync sends a joiner's sync request to any active peer once
// joinSyncWait has passed with no other than its contact (a cluster of
// two, or a join walk lost), and runs the digest exchanges once the sync
// has settled.
func (c *Core) tickJoinSync(now time.Time) {
	active := c.hv.Active()
	if len(active) == 0 {
		return
	}
	if c.join.due && now.Sub(c.join.joinedAt) >= joinSyncWait {
		c.requestJoinSync(now, active[c.rng.IntN(len(active))])
	}
	if !c.join.settleAt.IsZero() && !now.Before(c.join.settleAt) {
		c.join.settleAt = time.Time{}
		for _, p := range active {
			if p.ID != c.join.contact {
				c.sendFullDigest(p)
			}
		}
	}
}
