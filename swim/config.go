package swim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// ErrInvalidConfig reports a Config that New refuses.
var ErrInvalidConfig = errors.New("swim: invalid config")

// Defaults are those of hashicorp/memberlist's DefaultLANConfig; memberlist
// is the SWIM implementation the Lifeguard refinements (Dadgar, Phillips and
// Currey, 2018) were built into and measured on. The SWIM paper (Das, Gupta and Motivala, DSN 2002, §5) ran with a
// 2 s protocol period and one ping-req helper on a 100 Mbps LAN; memberlist's
// values detect faster and tolerate the loss of a helper.
const (
	// DefaultProbeInterval is the protocol period T' of SWIM §3.1: one
	// probe per period.
	DefaultProbeInterval = time.Second
	// DefaultProbeTimeout is the wait for a direct ack before asking
	// helpers; memberlist sizes it as the 99th percentile of a LAN round
	// trip, and it leaves half the period for the indirect probe.
	DefaultProbeTimeout = 500 * time.Millisecond
	// DefaultIndirectChecks is k, the number of helpers sent a PingReq.
	DefaultIndirectChecks = 3
	// DefaultSuspicionMult scales the minimum suspicion timeout:
	// SuspicionMult × max(1, log10 N) × ProbeInterval.
	DefaultSuspicionMult = 4
	// DefaultSuspicionMaxTimeoutMult gives the maximum suspicion timeout
	// as a multiple of the minimum: a suspicion nobody confirms waits 6×
	// longer than one confirmed by SuspicionMult−2 others (Lifeguard's
	// LHA-Suspicion).
	DefaultSuspicionMaxTimeoutMult = 6
	// DefaultMaxLocalHealth is S of Lifeguard's LHA-Probe, memberlist's
	// AwarenessMaxMultiplier: the probe period stretches to at most 8×.
	DefaultMaxLocalHealth = 8
)

// Upper bounds that keep every derived duration far from overflowing an
// int64 of nanoseconds, and the PingReq fan-out small.
const (
	maxProbeInterval    = time.Hour
	maxIndirectChecks   = 16
	maxMultiplier       = 100
	maxLocalHealthBound = 64
)

// Config parameterises a Node. The zero value of every field but Self and
// Rand means its default.
type Config struct {
	// Self is this node's identity and advertised address. Required.
	Self overlay.Peer
	// Rand is the only source of randomness. Required; seed it to reproduce
	// a run.
	Rand *rand.Rand

	// ProbeInterval is the protocol period: one peer is probed per period
	// (default 1 s). It is stretched by the local health multiplier.
	ProbeInterval time.Duration
	// ProbeTimeout is how long a direct ping may go unanswered before
	// helpers are asked to probe indirectly (default 500 ms). It is
	// stretched by the local health multiplier and must be shorter than
	// ProbeInterval, since the indirect probe must end within the period.
	ProbeTimeout time.Duration
	// IndirectChecks is how many other active peers are sent a PingReq
	// when a direct probe times out (default 3, at most 16).
	IndirectChecks int
	// SuspicionMult sets the minimum suspicion timeout to SuspicionMult ×
	// max(1, log10 N) × ProbeInterval, N the cluster size given to
	// SetClusterSize (default 4). SuspicionMult − 2 independent
	// confirmations bring a suspicion's timeout down to that minimum.
	SuspicionMult int
	// SuspicionMaxTimeoutMult sets the maximum suspicion timeout, the one a
	// suspicion starts with before any confirmation, to this multiple of
	// the minimum (default 6).
	SuspicionMaxTimeoutMult int
	// MaxLocalHealth bounds the Lifeguard local health score to
	// 0..MaxLocalHealth−1; the probe interval and timeout are multiplied by
	// score+1 (default 8, at most 64). 1 disables local health awareness.
	MaxLocalHealth int
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	overlay.SetDefault(&c.ProbeInterval, DefaultProbeInterval)
	overlay.SetDefault(&c.ProbeTimeout, DefaultProbeTimeout)
	overlay.SetDefault(&c.IndirectChecks, DefaultIndirectChecks)
	overlay.SetDefault(&c.SuspicionMult, DefaultSuspicionMult)
	overlay.SetDefault(&c.SuspicionMaxTimeoutMult, DefaultSuspicionMaxTimeoutMult)
	overlay.SetDefault(&c.MaxLocalHealth, DefaultMaxLocalHealth)
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
	case c.ProbeInterval < 0 || c.ProbeInterval > maxProbeInterval:
		return fmt.Errorf("%w: ProbeInterval %v outside (0, %v]", ErrInvalidConfig, c.ProbeInterval, maxProbeInterval)
	case c.ProbeTimeout < 0 || c.ProbeTimeout >= c.ProbeInterval:
		return fmt.Errorf("%w: ProbeTimeout %v must be positive and shorter than ProbeInterval %v",
			ErrInvalidConfig, c.ProbeTimeout, c.ProbeInterval)
	case c.IndirectChecks < 1 || c.IndirectChecks > maxIndirectChecks:
		return fmt.Errorf("%w: IndirectChecks %d outside 1..%d", ErrInvalidConfig, c.IndirectChecks, maxIndirectChecks)
	case c.SuspicionMult < 1 || c.SuspicionMult > maxMultiplier:
		return fmt.Errorf("%w: SuspicionMult %d outside 1..%d", ErrInvalidConfig, c.SuspicionMult, maxMultiplier)
	case c.SuspicionMaxTimeoutMult < 1 || c.SuspicionMaxTimeoutMult > maxMultiplier:
		return fmt.Errorf("%w: SuspicionMaxTimeoutMult %d outside 1..%d", ErrInvalidConfig, c.SuspicionMaxTimeoutMult, maxMultiplier)
	case c.MaxLocalHealth < 1 || c.MaxLocalHealth > maxLocalHealthBound:
		return fmt.Errorf("%w: MaxLocalHealth %d outside 1..%d", ErrInvalidConfig, c.MaxLocalHealth, maxLocalHealthBound)
	}
	return nil
}
