package plumtree

import (
	"slices"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// missingTable tracks messages announced by IHAVE but not yet received,
// with the paper's graft timers. Each entry exists exactly while its
// timer runs: timer 1 from the first announcement, then timer 2 after each
// GRAFT. Receiving the message removes the entry, cancelling its timer.
type missingTable struct {
	max  int
	byID map[MessageID]*missingEntry
}

// missingEntry is one missing message.
type missingEntry struct {
	// announcements are the distinct announcers in arrival order; those
	// before tried have been grafted already.
	announcements []announcement
	tried         int
	deadline      time.Time // when the running timer expires
	grafted       bool      // a GRAFT asking for this message was sent
}

// announcement is one neighbour's IHAVE entry for a message.
type announcement struct {
	peer  overlay.NodeID
	round int // round a GOSSIP from this peer would carry
	// lazyArrival is when this link would have delivered the message had
	// it been eager: the IHAVE's receive time minus the entry's Waited.
	lazyArrival time.Time
}

func newMissingTable(max int) missingTable {
	return missingTable{max: max, byID: make(map[MessageID]*missingEntry)}
}

// announce records an announcement, starting timer 1 (expiring at
// now+timeout) if the message had no entry. A second announcement from the
// same peer is ignored. It reports false when a new entry would exceed the
// table's bound.
func (t *missingTable) announce(now time.Time, id MessageID, a announcement, timeout time.Duration) bool {
	e, ok := t.byID[id]
	if !ok {
		if len(t.byID) >= t.max {
			return false
		}
		e = &missingEntry{deadline: now.Add(timeout)}
		t.byID[id] = e
	}
	if !slices.ContainsFunc(e.announcements, func(x announcement) bool { return x.peer == a.peer }) {
		e.announcements = append(e.announcements, a)
	}
	return true
}

// take removes a message's entry, cancelling its timer, and returns it.
func (t *missingTable) take(id MessageID) (missingEntry, bool) {
	e, ok := t.byID[id]
	if !ok {
		return missingEntry{}, false
	}
	delete(t.byID, id)
	return *e, true
}

// forgetPeer drops a departed neighbour's announcements; an entry left
// with none is dropped too.
func (t *missingTable) forgetPeer(peer overlay.NodeID) {
	for id, e := range t.byID {
		i := slices.IndexFunc(e.announcements, func(x announcement) bool { return x.peer == peer })
		if i < 0 {
			continue
		}
		e.announcements = slices.Delete(e.announcements, i, i+1)
		if i < e.tried {
			e.tried--
		}
		if len(e.announcements) == 0 {
			delete(t.byID, id)
		}
	}
}

// due returns the IDs whose timers expired at or before now, earliest
// deadline first, ties broken by ID.
func (t *missingTable) due(now time.Time) []MessageID {
	var ids []MessageID
	for id, e := range t.byID {
		if !now.Before(e.deadline) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b MessageID) int {
		if c := t.byID[a].deadline.Compare(t.byID[b].deadline); c != 0 {
			return c
		}
		return slices.Compare(a[:], b[:])
	})
	return ids
}

// fireGraftTimers handles every expired timer: it GRAFTs the first
// announcer not yet tried, moving it to the eager set, and starts timer 2;
// once every announcer has been tried, it gives the message up (a later
// IHAVE starts over).
func (n *Node) fireGraftTimers(now time.Time) {
	for _, id := range n.missing.due(now) {
		e := n.missing.byID[id]
		if e.tried == len(e.announcements) {
			delete(n.missing.byID, id)
			n.stats.MissingGaveUp++
			continue
		}
		a := e.announcements[e.tried]
		e.tried++
		e.grafted = true
		e.deadline = now.Add(n.cfg.SecondGraftTimeout)
		// Announcers are neighbours: forgetPeer drops those that leave.
		nb, _ := n.peers.get(a.peer)
		nb.eager = true
		n.send(nb, Graft{ID: id})
		n.stats.GraftsSent++
		n.stats.GraftTimerFired++
	}
}
