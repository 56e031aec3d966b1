package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

// do runs fn on the loop and returns its error, after the loop has sent
// what fn produced and published the View. When ctx ends first do returns
// ctx's error; fn may still run.
func (a *Agent) do(ctx context.Context, fn func(now time.Time) error) error {
	req := request{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case a.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-a.stopped:
		return ErrStopped
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Join enters the cluster through the nodes at addrs, as `overlayd join`
// does: it reaches each (at once, in parallel), joins through every one
// that answers, and returns how many did. It fails only when none did,
// with every address's error.
func (a *Agent) Join(ctx context.Context, addrs []string) (joined int, err error) {
	if len(addrs) == 0 {
		return 0, ErrNoAddress
	}
	peers := make([]overlay.Peer, len(addrs))
	errs := make([]error, len(addrs))
	var wg sync.WaitGroup
	for i, addr := range addrs {
		wg.Go(func() { peers[i], errs[i] = a.identify(ctx, addr) })
	}
	wg.Wait()
	var contacts []joinResult
	for i, p := range peers {
		if errs[i] == nil && p.ID == a.cfg.Core.Self.ID {
			errs[i] = fmt.Errorf("node: %s is this node", addrs[i])
		}
		if errs[i] != nil {
			a.log.Info("join: no answer", "addr", addrs[i], "err", errs[i])
			continue
		}
		contacts = append(contacts, joinResult{addr: addrs[i], peer: p, reason: "request"})
	}
	if len(contacts) == 0 {
		return 0, fmt.Errorf("node: join: no address answered: %w", errors.Join(errs...))
	}
	err = a.do(ctx, func(now time.Time) error {
		for _, c := range contacts {
			a.onJoin(now, c)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(contacts), nil
}

// identify learns who is at addr, within IdentifyTimeout.
func (a *Agent) identify(ctx context.Context, addr string) (overlay.Peer, error) {
	ctx, cancel := context.WithTimeout(ctx, a.cfg.IdentifyTimeout)
	defer cancel()
	p, err := a.tr.Identify(ctx, addr)
	if err != nil {
		a.m.joinAttempts.WithLabelValues("failed").Inc()
		return overlay.Peer{}, fmt.Errorf("node: reaching %s: %w", addr, err)
	}
	a.m.joinAttempts.WithLabelValues("answered").Inc()
	return p, nil
}

// RegisterService adds or replaces one of this node's service instances
// and tells the cluster. A service the catalog refuses (an error wrapping
// catalog.ErrInvalidRecord) changes nothing.
func (a *Agent) RegisterService(ctx context.Context, s catalog.Service) error {
	return a.do(ctx, func(now time.Time) error {
		if err := a.core.RegisterService(now, s); err != nil {
			a.log.Warn("service refused", "service", s.ID, "err", err)
			return fmt.Errorf("node: registering service %q: %w", s.ID, err)
		}
		a.log.Info("service registered", "service", s.ID, "name", s.Name)
		return nil
	})
}

// DeregisterService removes one of this node's service instances and
// reports whether it existed.
func (a *Agent) DeregisterService(ctx context.Context, id string) (bool, error) {
	var found bool
	err := a.do(ctx, func(now time.Time) error {
		if found = a.core.DeregisterService(now, id); found {
			a.log.Info("service deregistered", "service", id)
		}
		return nil
	})
	return found, err
}

// SetServiceHealth sets the health of one of this node's service instances
// and reports whether it exists. A health that is not one of catalog's is
// refused with an error wrapping catalog.ErrInvalidRecord.
func (a *Agent) SetServiceHealth(ctx context.Context, id string, h catalog.Health) (bool, error) {
	if h < catalog.Passing || h > catalog.Critical {
		return false, fmt.Errorf("node: health of %q: %w: %v", id, catalog.ErrInvalidRecord, h)
	}
	var found bool
	err := a.do(ctx, func(now time.Time) error {
		found = a.core.SetServiceHealth(now, id, h)
		return nil
	})
	return found, err
}
