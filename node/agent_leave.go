package node

import (
	"context"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/plumtree"
)

// closeReserve is the part of a Leave's deadline kept for closing the
// transport, at most: the linger ends this long before the deadline, or
// halfway to it if that is sooner.
const closeReserve = time.Second

// leaving is a Leave under way: the Core has broadcast the departure, and
// the agent stays up until that broadcast has left this node (a GOSSIP
// carrying it was sent, eagerly or to answer a GRAFT), LeaveLinger has
// passed, or the caller's deadline comes near.
type leaving struct {
	ctx    context.Context // the caller's
	linger context.Context // the caller's, ending closeReserve earlier
	cancel context.CancelFunc
	until  time.Time // by the agent's clock
	sent   bool
	done   chan error
}

// Leave leaves the cluster gracefully: the Core broadcasts this node's
// departure, the agent stays up until the broadcast has left it (or
// LeaveLinger has passed), saves its members, and the transport flushes
// its queues and closes, all within ctx. Run then returns nil, and other
// requests fail with ErrStopped. Give it a deadline: the daemon allows 5 s
// on SIGTERM.
func (a *Agent) Leave(ctx context.Context) error {
	return a.do(ctx, func(now time.Time) error {
		a.log.Info("leaving the cluster")
		a.core.Leave(now)
		a.leave = newLeaving(ctx, now.Add(a.cfg.LeaveLinger))
		return nil
	})
}

func newLeaving(ctx context.Context, until time.Time) *leaving {
	l := &leaving{ctx: ctx, until: until}
	if deadline, ok := ctx.Deadline(); ok {
		reserve := min(closeReserve, time.Until(deadline)/2)
		l.linger, l.cancel = context.WithDeadline(ctx, deadline.Add(-reserve))
	} else {
		l.linger, l.cancel = context.WithCancel(ctx)
	}
	return l
}

// lingerDone wakes the loop when the caller's deadline comes near; nil,
// which never wakes, when no Leave is under way.
func (l *leaving) lingerDone() <-chan struct{} {
	if l == nil {
		return nil
	}
	return l.linger.Done()
}

// over reports whether the agent may close: the departure has left, or
// nobody is there to take it, or time is up.
func (l *leaving) over(now time.Time, active int) bool {
	return l.sent || active == 0 || !now.Before(l.until) || l.linger.Err() != nil
}

// watch notes a GOSSIP that carries this node's departure.
func (l *leaving) watch(a *Agent, msg overlay.Message) {
	if l == nil || l.sent {
		return
	}
	g, ok := msg.(plumtree.Gossip)
	if !ok {
		return
	}
	if m, err := a.core.Codec().Unmarshal(g.Payload); err == nil {
		if u, ok := m.(RecordUpdate); ok && u.Record.Member.ID == a.cfg.Core.Self.ID && u.Record.Status == catalog.Left {
			l.sent = true
		}
	}
}

// abort answers a Leave under way that Run gave up on.
func (l *leaving) abort(err error) {
	if l != nil && l.done != nil {
		l.cancel()
		l.done <- err
	}
}

// finishLeave saves the members and closes the transport, within the
// caller's deadline.
func (a *Agent) finishLeave() error {
	l := a.leave
	defer l.cancel()
	a.store.saveMembersNow(a.clock.Now(), a.membersToSave())
	err := a.closeTransport(l.ctx)
	a.refreshCounters()
	a.log.Info("left the cluster", "incarnation", a.core.Incarnation(), "departure_sent", l.sent, "err", err)
	return err
}
