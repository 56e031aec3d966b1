package memtransport

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// Errors of the in-memory network.
var (
	// ErrUnreachable reports an address with no transport attached, or cut
	// off by a partition.
	ErrUnreachable = errors.New("memtransport: unreachable")
	// ErrAddressInUse reports an Attach to an address already attached.
	ErrAddressInUse = errors.New("memtransport: address in use")
	// ErrClosed reports a call on a closed or crashed transport.
	ErrClosed = errors.New("memtransport: transport closed")
	// ErrInvalidConfig reports a Config that New refuses.
	ErrInvalidConfig = errors.New("memtransport: invalid config")
)

// DefaultQueueLen bounds each link's queue.
const DefaultQueueLen = 1024

// Config parameterises a Network. Zero fields take their defaults.
type Config struct {
	// Codec encodes and decodes every message. Required.
	Codec *overlay.Codec
	// Classifier gives each message's priority and whether it is a
	// datagram (default: every message a payload on a stream).
	Classifier overlay.Classifier
	// QueueLen bounds each (sender, receiver) link's queue of messages
	// not yet taken by the receiver (default DefaultQueueLen).
	QueueLen int
	// Latency is the one-way latency of every link not set by SetLink.
	Latency time.Duration
	// AfterFunc runs f after d; deliveries with latency are scheduled
	// with it (default time.AfterFunc). Pass a clock.Fake's AfterFunc to
	// run the network on virtual time.
	AfterFunc func(d time.Duration, f func())
	// Seed seeds the draws of datagram loss.
	Seed uint64
}

// Link is what one pair of addresses sees of the network, both ways.
type Link struct {
	Latency time.Duration
	// Loss is the fraction of datagrams lost, 0 to 1.
	Loss float64
}

// Network connects the transports attached to it. It is safe for
// concurrent use.
type Network struct {
	cfg Config

	mu     sync.Mutex
	rng    *rand.Rand
	byAddr map[string]*Transport
	links  map[[2]string]Link
	// group partitions the network when set: addresses in different
	// groups cannot reach each other.
	group map[string]int
	// pending counts deliveries due and not yet taken by their reader;
	// idle is closed whenever pending is zero.
	pending int
	idle    chan struct{}
}

// New returns an empty network.
func New(cfg Config) (*Network, error) {
	if cfg.Codec == nil {
		return nil, fmt.Errorf("%w: nil Codec", ErrInvalidConfig)
	}
	if cfg.QueueLen < 0 || cfg.Latency < 0 {
		return nil, fmt.Errorf("%w: negative QueueLen or Latency", ErrInvalidConfig)
	}
	overlay.SetDefault(&cfg.QueueLen, DefaultQueueLen)
	if cfg.Classifier == nil {
		cfg.Classifier = func(overlay.Message) overlay.Class { return overlay.Class{Priority: overlay.PriorityPayload} }
	}
	if cfg.AfterFunc == nil {
		cfg.AfterFunc = func(d time.Duration, f func()) { time.AfterFunc(d, f) }
	}
	idle := make(chan struct{})
	close(idle)
	return &Network{
		cfg:    cfg,
		rng:    rand.New(rand.NewPCG(cfg.Seed, 0x6d656d)),
		byAddr: make(map[string]*Transport),
		links:  make(map[[2]string]Link),
		idle:   idle,
	}, nil
}

// Attach returns a transport for self at self.Addr, which must be free.
func (n *Network) Attach(self overlay.Peer) (*Transport, error) {
	if err := self.Validate(); err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, taken := n.byAddr[self.Addr]; taken {
		return nil, fmt.Errorf("%w: %s", ErrAddressInUse, self.Addr)
	}
	t := newTransport(n, self)
	n.byAddr[self.Addr] = t
	go t.pump()
	return t, nil
}

// SetLink sets the latency and loss between addresses a and b, both ways.
func (n *Network) SetLink(a, b string, l Link) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.links[linkKey(a, b)] = l
}

func linkKey(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

func (n *Network) link(a, b string) Link {
	if l, ok := n.links[linkKey(a, b)]; ok {
		return l
	}
	return Link{Latency: n.cfg.Latency}
}

// Partition cuts the network into the groups of addresses given, plus one
// of every address not listed. Connections across a cut fail.
func (n *Network) Partition(groups ...[]string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.group = make(map[string]int)
	for i, g := range groups {
		for _, addr := range g {
			n.group[addr] = i + 1
		}
	}
	for _, t := range n.byAddr {
		t.failUnreachableKept()
	}
}

// Heal ends a partition.
func (n *Network) Heal() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.group = nil
}

func (n *Network) cut(a, b string) bool { return n.group != nil && n.group[a] != n.group[b] }

// Crash stops the transport at addr dead, as if its process died: it
// takes nothing more, its reader sees Events closed, and every transport
// that kept a connection to it is told the peer failed.
func (n *Network) Crash(addr string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if t := n.byAddr[addr]; t != nil {
		t.detach(false)
	}
}

// WaitIdle waits until every delivery that is due has been taken by its
// reader, or ctx ends. Deliveries scheduled for later, behind a link's
// latency, are not due.
func (n *Network) WaitIdle(ctx context.Context) error {
	n.mu.Lock()
	idle := n.idle
	n.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// addPending counts delta deliveries due (negative: taken or dropped);
// n.mu is held.
func (n *Network) addPending(delta int) {
	was := n.pending
	n.pending += delta
	switch {
	case was == 0 && n.pending > 0:
		n.idle = make(chan struct{})
	case was > 0 && n.pending == 0:
		close(n.idle)
	}
}

// route finds the transport that from reaches as to, or why it cannot;
// n.mu is held.
func (n *Network) route(from *Transport, to overlay.Peer) (*Transport, error) {
	dst := n.byAddr[to.Addr]
	switch {
	case dst == nil || n.cut(from.self.Addr, to.Addr):
		return nil, fmt.Errorf("%w: %s", ErrUnreachable, to)
	case dst.self.ID != to.ID:
		from.stats.Refused[overlay.RefusedNameMismatch]++
		return nil, fmt.Errorf("%w: %s answers as %s", ErrUnreachable, to, dst.self.ID)
	}
	return dst, nil
}
