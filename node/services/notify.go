package services

import "sync"

// Notifier is a version counter whose changes can be waited on without
// polling: Changed(v) returns a channel that is closed once the version
// exceeds v. The zero value is ready, at version 0. It is safe for
// concurrent use; waiting costs one channel per version, shared by every
// waiter.
type Notifier struct {
	mu      sync.Mutex
	version uint64
	ch      chan struct{}
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Version returns the current version.
func (n *Notifier) Version() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.version
}

// Changed returns a channel closed once the version is above v.
func (n *Notifier) Changed(v uint64) <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.version > v {
		return closed
	}
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}

// Bump raises the version by one, waking every waiter, and returns the new
// version.
func (n *Notifier) Bump() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.version++
	if n.ch != nil {
		close(n.ch)
		n.ch = nil
	}
	return n.version
}
