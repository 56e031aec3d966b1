package plumtree

import (
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// onIHave handles an IHAVE from a neighbour. An entry for a message not yet
// received records the announcer and starts the graft timer if needed; an
// entry for a received message feeds the tree optimisations. IHAVEs from
// non-neighbours are ignored: grafting them would add a non-neighbour to
// the eager set.
func (n *Node) onIHave(now time.Time, from overlay.NodeID, m IHave) {
	if _, ok := n.peers.get(from); !ok {
		n.stats.NotNeighbor++
		return
	}
	switch {
	case len(m.Entries) > n.cfg.MaxIHaveEntries:
		n.stats.TooManyEntries++
		return
	case len(m.Entries) == 0:
		n.stats.Malformed++
		return
	}
	n.stats.IHavesReceived++
	for _, e := range m.Entries {
		// A wait longer than CacheTTL is nonsense: the announcer could not
		// answer a GRAFT for it any more.
		if e.ID.IsZero() || !validRound(e.Round) || e.Waited < 0 || e.Waited > n.cfg.CacheTTL {
			n.stats.Malformed++
			continue
		}
		a := announcement{peer: from, round: e.Round, lazyArrival: now.Add(-e.Waited)}
		if rec, received := n.seen.get(e.ID); received {
			n.optimizeOnIHave(now, rec, a)
			continue
		}
		if !n.missing.announce(now, e.ID, a, n.graftTimeout(e.Waited)) {
			n.stats.MissingOverflow++
		}
	}
}

// graftTimeout is timer 1 for an announcement that waited in the
// announcer's batch (see Config.IHaveFlushInterval): GraftTimeout less
// that wait, and at least SecondGraftTimeout. The timer is to let the eager
// copy arrive first if it lags the lazy announcer's, and the eager copy had
// the batch's wait to arrive too; counting it again would add a batch
// interval to every repair.
func (n *Node) graftTimeout(waited time.Duration) time.Duration {
	return max(n.cfg.GraftTimeout-waited, n.cfg.SecondGraftTimeout)
}
