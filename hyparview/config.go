package hyparview

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// ErrInvalidConfig reports a Config that New refuses.
var ErrInvalidConfig = errors.New("hyparview: invalid config")

// Defaults from §4 and §5 of the HyParView paper, which evaluates a
// 10,000-node overlay with these values.
const (
	DefaultActiveSize     = 5  // log10(10,000) + 1
	DefaultPassiveSize    = 30 // k·(log10(10,000) + 1) with k = 6
	DefaultARWL           = 6  // active random walk length
	DefaultPRWL           = 3  // passive random walk length
	DefaultShuffleActive  = 3  // ka
	DefaultShufflePassive = 4  // kp
)

// DefaultShuffleInterval is the period of the passive-view shuffle. The paper
// counts in membership cycles and fixes no period. The passive view is only
// a store of candidates for repairing the active view, and its entries need
// not be fresh: a dead candidate is found out and dropped when tried, and
// the shuffle's random walks keep the views a random sample however slowly
// they run. A minute costs about 25 B/s per node (a SHUFFLE of some 240
// bytes walks 3 hops), where 10 s cost 143 B/s, the largest single item of
// a steady cluster's traffic (loadtest/RESULTS.md, converge, 2026-12-02).
// The hyparview experiment's churn and failure figures count in cycles and
// do not depend on it.
const DefaultShuffleInterval = time.Minute

// DefaultNeighborTimeout is how long a NEIGHBOR request may go unanswered
// before the node cancels it and asks another passive peer.
const DefaultNeighborTimeout = 2 * time.Second

// maxShuffleEntries bounds the entries accepted in one SHUFFLE or
// SHUFFLE_REPLY, whatever the sender's configuration, so a peer cannot make a
// node walk an arbitrarily long list.
const maxShuffleEntries = 64

// Config parameterises a Node. The zero value of every field but Self and
// Rand means its default.
type Config struct {
	// Self is this node's identity and advertised address. Required.
	Self overlay.Peer
	// Rand is the only source of randomness. Required; seed it to reproduce
	// a run.
	Rand *rand.Rand

	// ActiveSize is the capacity of the active view (default 5).
	ActiveSize int
	// PassiveSize is the capacity of the passive view (default 30).
	PassiveSize int
	// ARWL, the active random walk length, is the number of hops a
	// FORWARD_JOIN and a SHUFFLE travel (default 6).
	ARWL int
	// PRWL, the passive random walk length, is the remaining TTL at which a
	// FORWARD_JOIN adds the joiner to the passive view (default 3). It must
	// not exceed ARWL.
	PRWL int
	// ShuffleActive (ka) and ShufflePassive (kp) are how many active and
	// passive entries a SHUFFLE carries besides the sender (defaults 3, 4).
	ShuffleActive  int
	ShufflePassive int
	// ShuffleInterval is the period between two shuffles started by this
	// node (default 10 s).
	ShuffleInterval time.Duration
	// NeighborTimeout bounds the wait for a NEIGHBOR reply (default 2 s).
	NeighborTimeout time.Duration
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	overlay.SetDefault(&c.ActiveSize, DefaultActiveSize)
	overlay.SetDefault(&c.PassiveSize, DefaultPassiveSize)
	overlay.SetDefault(&c.ARWL, DefaultARWL)
	overlay.SetDefault(&c.PRWL, DefaultPRWL)
	overlay.SetDefault(&c.ShuffleActive, DefaultShuffleActive)
	overlay.SetDefault(&c.ShufflePassive, DefaultShufflePassive)
	overlay.SetDefault(&c.ShuffleInterval, DefaultShuffleInterval)
	overlay.SetDefault(&c.NeighborTimeout, DefaultNeighborTimeout)
	return c
}

// Validate reports the first nonsensical field of c, after defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	if err := c.Self.Validate(); err != nil {
		return fmt.Errorf("%w: Self: %w", ErrInvalidConfig, err)
	}
	switch {
	case c.Rand == nil:
		return fmt.Errorf("%w: Rand is nil", ErrInvalidConfig)
	case c.ActiveSize < 1:
		return fmt.Errorf("%w: ActiveSize %d < 1", ErrInvalidConfig, c.ActiveSize)
	case c.PassiveSize < 1:
		return fmt.Errorf("%w: PassiveSize %d < 1", ErrInvalidConfig, c.PassiveSize)
	case c.ARWL < 1 || c.ARWL > 255:
		return fmt.Errorf("%w: ARWL %d outside 1..255", ErrInvalidConfig, c.ARWL)
	case c.PRWL < 1 || c.PRWL > c.ARWL:
		return fmt.Errorf("%w: PRWL %d outside 1..ARWL (%d)", ErrInvalidConfig, c.PRWL, c.ARWL)
	case c.ShuffleActive < 0 || c.ShufflePassive < 0:
		return fmt.Errorf("%w: negative shuffle sample (ka %d, kp %d)", ErrInvalidConfig, c.ShuffleActive, c.ShufflePassive)
	case c.ShuffleActive+c.ShufflePassive+1 > maxShuffleEntries:
		return fmt.Errorf("%w: shuffle sample ka+kp+1 = %d exceeds %d", ErrInvalidConfig, c.ShuffleActive+c.ShufflePassive+1, maxShuffleEntries)
	case c.ShuffleInterval < 0:
		return fmt.Errorf("%w: negative ShuffleInterval %v", ErrInvalidConfig, c.ShuffleInterval)
	case c.NeighborTimeout < 0:
		return fmt.Errorf("%w: negative NeighborTimeout %v", ErrInvalidConfig, c.NeighborTimeout)
	}
	return nil
}
