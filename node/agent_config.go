package node

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/overlayd/overlayd/node/clock"
	"github.com/overlayd/overlayd/overlay"
)

// Defaults of the agent's runtime.
const (
	// DefaultTickInterval is how often the agent ticks its Core. SWIM asks
	// for a tick every 50–100 ms (swim.Node.Tick), and the simulator ticks
	// every 100 ms.
	DefaultTickInterval = 100 * time.Millisecond
	// DefaultJoinBackoff is the wait after a round of join attempts in
	// which no address answered; it doubles after each such round up to
	// DefaultMaxJoinBackoff, with jitter.
	DefaultJoinBackoff    = time.Second
	DefaultMaxJoinBackoff = 30 * time.Second
	// DefaultIdentifyTimeout bounds one attempt to reach a join address.
	DefaultIdentifyTimeout = 5 * time.Second
	// DefaultRejoinAfter is how long the active view may stay empty before
	// the agent joins again through its seeds and saved members. HyParView
	// repairs the view from the passive one on its own in a few seconds
	// (a NEIGHBOR request times out after 2 s), so 10 s means it failed.
	DefaultRejoinAfter = 10 * time.Second
	// DefaultSeedCheckInterval spaces the checks that every seed is a live
	// member of the catalog; a missing one may be an island of its own,
	// formed at bootstrap by nodes that joined a seed before it joined
	// the others, and is joined again.
	DefaultSeedCheckInterval = 30 * time.Second
	// DefaultSaveInterval spaces the saves of the live members to the
	// data directory.
	DefaultSaveInterval = time.Minute
	// DefaultLeaveLinger bounds how long a leaving node stays up for its
	// departure to leave it. A node whose neighbours all pruned it from
	// Plumtree's tree announces the broadcast lazily: the IHAVE goes out
	// within 500 ms (the batching Core sets), the receiver grafts 500 ms
	// later (plumtree.DefaultGraftTimeout), and the payload follows a
	// round trip after that. 3 s leaves 2 s of the daemon's 5 s for the
	// transport to flush.
	DefaultLeaveLinger = 3 * time.Second
)

// savedMembers is how many members the agent saves to rejoin through: the
// active and passive views, then random live members.
const savedMembers = 64

// AgentConfig parameterises an Agent. Zero fields take their defaults.
type AgentConfig struct {
	// Core configures the protocols. Core.Self defaults to, and must
	// equal, Transport.Self(); Core.Rand defaults to a randomly seeded
	// source; Core.RecordKey to the key in DataDir, made and saved there
	// on the first start (a new one each start without a data directory);
	// Core.KeyBinding, with a Core.KeyAuthority, to the authority's binding
	// of that key, made at each start.
	Core Config
	// Transport carries the messages. Required. The agent closes it when
	// it stops.
	Transport overlay.Transport
	// Clock is the source of time (default clock.Real).
	Clock clock.Clock
	// Logger receives the agent's logs (default: discarded).
	Logger *slog.Logger
	// DataDir is the data directory (see package node/datadir); empty
	// keeps nothing on disk, so a restart starts afresh.
	DataDir string
	// Seeds are addresses to join through. The agent tries every one, and
	// the members it saved before a restart, until one answers.
	Seeds []string

	// TickInterval is how often the Core is ticked (default 100 ms).
	TickInterval time.Duration
	// JoinBackoff is the wait after a round of join attempts that no
	// address answered, doubled after each such round up to
	// MaxJoinBackoff (defaults 1 s and 30 s); each wait is drawn from
	// its upper half.
	JoinBackoff    time.Duration
	MaxJoinBackoff time.Duration
	// IdentifyTimeout bounds one attempt to reach a join address
	// (default 5 s).
	IdentifyTimeout time.Duration
	// RejoinAfter is how long the active view may stay empty before the
	// agent joins again through its seeds, saved members and a few
	// members of its catalog (default 10 s).
	RejoinAfter time.Duration
	// SeedCheckInterval spaces the checks that every seed is a live
	// member of the catalog; a missing one is joined again (default
	// 30 s, drawn from its upper half).
	SeedCheckInterval time.Duration
	// SaveInterval spaces the saves of the live members to the data
	// directory (default 1 min); they are saved at Leave and at stop too.
	SaveInterval time.Duration
	// LeaveLinger bounds how long Leave keeps the agent up for its
	// departure to leave it (default 3 s).
	LeaveLinger time.Duration
}

func (c AgentConfig) withDefaults() AgentConfig {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	overlay.SetDefault(&c.TickInterval, DefaultTickInterval)
	overlay.SetDefault(&c.JoinBackoff, DefaultJoinBackoff)
	overlay.SetDefault(&c.MaxJoinBackoff, DefaultMaxJoinBackoff)
	overlay.SetDefault(&c.IdentifyTimeout, DefaultIdentifyTimeout)
	overlay.SetDefault(&c.RejoinAfter, DefaultRejoinAfter)
	overlay.SetDefault(&c.SeedCheckInterval, DefaultSeedCheckInterval)
	overlay.SetDefault(&c.SaveInterval, DefaultSaveInterval)
	overlay.SetDefault(&c.LeaveLinger, DefaultLeaveLinger)
	return c
}

// Validate reports the first nonsensical field of c, after defaults. The
// Core configuration is validated when the Core is made.
func (c AgentConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Transport == nil:
		return fmt.Errorf("%w: Transport is nil", ErrInvalidConfig)
	case c.TickInterval < 0 || c.JoinBackoff < 0 || c.MaxJoinBackoff < 0 || c.IdentifyTimeout < 0 ||
		c.RejoinAfter < 0 || c.SeedCheckInterval < 0 || c.SaveInterval < 0 || c.LeaveLinger < 0:
		return fmt.Errorf("%w: negative interval", ErrInvalidConfig)
	case c.MaxJoinBackoff < c.JoinBackoff:
		return fmt.Errorf("%w: MaxJoinBackoff %v below JoinBackoff %v", ErrInvalidConfig, c.MaxJoinBackoff, c.JoinBackoff)
	case c.Core.Self != (overlay.Peer{}) && c.Core.Self != c.Transport.Self():
		return fmt.Errorf("%w: Core.Self %s is not the transport's %s", ErrInvalidConfig, c.Core.Self, c.Transport.Self())
	}
	for _, s := range c.Seeds {
		if s == "" || len(s) > overlay.MaxAddrLen {
			return fmt.Errorf("%w: seed address %q", ErrInvalidConfig, s)
		}
	}
	return nil
}
