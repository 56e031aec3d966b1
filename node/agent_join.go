package node

import (
	"context"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

// isolationSample is how many live members of the catalog a node that lost
// every active peer adds to its seeds and saved members to rejoin through.
const isolationSample = 8

// startJoin starts a joiner over targets unless one is running: it tries
// every address, in random order, round after round with backoff, until
// one answers or ctx ends, and hands the first to answer to the loop.
func (a *Agent) startJoin(ctx context.Context, targets []string, reason string) {
	if a.joining || len(targets) == 0 {
		return
	}
	a.joining = true
	go func() {
		identified := a.joinLoop(ctx, targets, reason)
		select {
		case a.joinDone <- identified:
		case <-ctx.Done():
		}
	}()
}

// joinLoop is the joiner's goroutine. It returns the identity found at
// each address that answered; it gives up only when ctx ends, or when
// every address answered as this node.
func (a *Agent) joinLoop(ctx context.Context, targets []string, reason string) map[string]overlay.NodeID {
	identified := make(map[string]overlay.NodeID)
	targets = slices.Clone(targets)
	backoff := a.cfg.JoinBackoff
	for round := 1; ; round++ {
		rand.Shuffle(len(targets), func(i, j int) { targets[i], targets[j] = targets[j], targets[i] })
		onlySelf := true
		for _, addr := range targets {
			p, err := a.identify(ctx, addr)
			if ctx.Err() != nil {
				return identified
			}
			if err != nil {
				a.log.Info("join: no answer", "addr", addr, "reason", reason, "err", err)
				onlySelf = false
				continue
			}
			identified[addr] = p.ID
			if p.ID == a.cfg.Core.Self.ID {
				continue
			}
			select {
			case a.joins <- joinResult{addr: addr, peer: p, reason: reason}:
			case <-ctx.Done():
			}
			return identified
		}
		if onlySelf {
			return identified
		}
		wait := jitter(backoff)
		a.log.Warn("join: no address answered", "reason", reason, "round", round, "addresses", len(targets), "retry_in", wait)
		t := a.clock.NewTimer(wait)
		select {
		case <-t.C():
		case <-ctx.Done():
			t.Stop()
			return identified
		}
		backoff = min(2*backoff, a.cfg.MaxJoinBackoff)
	}
}

// onJoin joins the cluster through a contact that answered.
func (a *Agent) onJoin(now time.Time, r joinResult) {
	a.seedIDs[r.addr] = r.peer.ID
	a.log.Info("joining", "via", r.addr, "peer", string(r.peer.ID), "reason", r.reason)
	a.core.Join(now, r.peer)
}

// joinTargets returns the addresses to join through: the members saved
// before this start, the seeds, and with sample a few live members of the
// catalog; this node's own address left out.
func (a *Agent) joinTargets(sample bool) []string {
	var addrs []string
	for _, p := range a.saved {
		addrs = append(addrs, p.Addr)
	}
	addrs = append(addrs, a.cfg.Seeds...)
	if sample {
		live := a.liveOthers()
		rand.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
		for _, r := range live[:min(len(live), isolationSample)] {
			addrs = append(addrs, r.Member.Addr)
		}
	}
	slices.Sort(addrs)
	addrs = slices.Compact(addrs)
	return slices.DeleteFunc(addrs, func(s string) bool { return s == a.cfg.Core.Self.Addr })
}

// liveOthers returns the catalog's live members other than this node that
// have an address.
func (a *Agent) liveOthers() []catalog.Record {
	return slices.DeleteFunc(a.core.Snapshot().Members(), func(r catalog.Record) bool {
		return r.Member.ID == a.cfg.Core.Self.ID || r.Member.Addr == "" || !live(r.Status)
	})
}

func live(s catalog.Status) bool { return s == catalog.Alive || s == catalog.Suspect }

// checkIsolation joins again through the seeds, the saved members and a
// few members of the catalog when the active view has stayed empty for
// RejoinAfter.
func (a *Agent) checkIsolation(ctx context.Context, now time.Time) {
	if len(a.core.Active()) > 0 {
		a.emptySince = time.Time{}
		return
	}
	if a.emptySince.IsZero() {
		a.emptySince = now
	}
	if a.joining || now.Sub(a.emptySince) < a.cfg.RejoinAfter {
		return
	}
	a.emptySince = now
	a.startJoin(ctx, a.joinTargets(true), "no active peer")
}

// checkSeeds joins again through every seed that is not a live member of
// the catalog. At bootstrap a node may join a seed before that seed has
// joined the others, and the two sides grow as islands that know nothing
// of each other, so that no reconnection to a dead member can merge them;
// once every seed is in one catalog the islands are one.
func (a *Agent) checkSeeds(ctx context.Context) {
	if a.joining {
		return
	}
	if absent := a.absentSeeds(); len(absent) > 0 {
		a.startJoin(ctx, absent, "seed missing from the catalog")
	}
}

// absentSeeds returns the seeds whose node is not a live member of the
// catalog, this node aside.
func (a *Agent) absentSeeds() []string {
	snap := a.core.Snapshot()
	var byAddr map[string]overlay.NodeID
	var absent []string
	for _, s := range a.cfg.Seeds {
		id, known := a.seedIDs[s]
		if !known {
			if byAddr == nil {
				byAddr = make(map[string]overlay.NodeID)
				for _, r := range snap.Members() {
					if live(r.Status) {
						byAddr[r.Member.Addr] = r.Member.ID
					}
				}
			}
			if id, known = byAddr[s]; known {
				a.seedIDs[s] = id
			}
		}
		if known {
			if r, ok := snap.Get(id); id == a.cfg.Core.Self.ID || ok && live(r.Status) {
				continue
			}
		}
		absent = append(absent, s)
	}
	return absent
}

// membersToSave returns the members to rejoin through after a restart:
// the active view, the passive view, then random live members of the
// catalog, savedMembers at most.
func (a *Agent) membersToSave() []overlay.Peer {
	peers := append(a.core.Active(), a.core.Passive()...)
	live := a.liveOthers()
	rand.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	for _, r := range live {
		if len(peers) >= 2*savedMembers {
			break
		}
		peers = append(peers, r.Member)
	}
	seen := make(map[overlay.NodeID]bool)
	out := make([]overlay.Peer, 0, savedMembers)
	for _, p := range peers {
		if len(out) == savedMembers {
			break
		}
		if p.ID != a.cfg.Core.Self.ID && p.Addr != "" && !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	return out
}
