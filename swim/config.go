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
// Currey, 2018) were built into and measured on, except where a
// constant says why not. The SWIM paper (Das, Gupta and Motivala, DSN
// 2002, §5) ran with a 2 s protocol period and one ping-req helper on a 100 Mbps LAN; memberlist's
// values detect faster and tolerate the loss of a helper.
const (
	// DefaultProbeInterval is the protocol period T' of SWIM §3.1: one
	// probe per period.
	DefaultProbeInterval = time.Second
	// DefaultProbeTimeout is the wait for a direct ack of a peer never
	// measured: RFC 6298 §2.1's initial retransmission timeout. memberlist waits a fixed 500 ms, the 99th percentile of a
	// LAN round trip, for every peer; here each peer gets RFC 6298's
	// adaptive timeout instead (see Config.ProbeTimeout), so that a slow
	// peer lengthens its own timeout rather than being suspected at every
	// probe, and a fast one is judged sooner.
	DefaultProbeTimeout = time.Second
	// DefaultIndirectChecks is k, the number of helpers sent a PingReq.
	DefaultIndirectChecks = 3
	// DefaultMinProbeTimeout is the floor of a measured peer's probe
	// timeout, Linux TCP's minimum retransmission timeout (TCP_RTO_MIN,
	// 200 ms): RFC 6298's 1 s floor was chosen for the Internet of 2000
	// and would make the adaptive timeout no faster than memberlist's.
	DefaultMinProbeTimeout = 200 * time.Millisecond
	// DefaultSuspicionTimeout is the minimum suspicion timeout, the one a
	// suspicion confirmed SuspicionConfirmations times runs to.
	//
	// memberlist uses SuspicionMult × max(1, log10 N) × ProbeInterval, 4 s
	// at 10 nodes and 12 s at 1,000: in SWIM a suspicion spreads by
	// piggybacking on probes, in O(log N) protocol periods (SWIM §4.2),
	// and the timeout must let it reach the suspect and the refutation come
	// back. Here a suspicion goes to the suspect directly and to the
	// cluster through Plumtree, in well under a second at any N, so the
	// log N term pays for a dissemination overlayd does not have. What the
	// window must cover is a live suspect's refutation, and that is what
	// the rules of suspicion.go protect instead: only a suspecter that
	// heard nothing from the suspect declares it at the minimum.
	DefaultSuspicionTimeout = time.Second
	// DefaultSuspicionMaxTimeoutMult gives the maximum suspicion timeout
	// as a multiple of the minimum: a suspicion nobody confirms waits 6×
	// longer than a confirmed one (memberlist; Lifeguard's LHA-Suspicion).
	DefaultSuspicionMaxTimeoutMult = 6
	// DefaultSuspicionConfirmations is K of LHA-Suspicion, the independent
	// confirmations that bring a suspicion to its minimum timeout.
	// memberlist uses SuspicionMult − 2 = 2, and here only a member's
	// handful of active peers probe it, so more could rarely be had.
	DefaultSuspicionConfirmations = 2
	// DefaultMaxLocalHealth is S of Lifeguard's LHA-Probe, memberlist's
	// AwarenessMaxMultiplier: the probe period stretches to at most 8×.
	DefaultMaxLocalHealth = 8
)

// Upper bounds that keep every derived duration far from overflowing an
// int64 of nanoseconds, and the PingReq fan-out small.
const (
	maxProbeInterval    = time.Hour
	maxIndirectChecks   = 16
	maxConfirmations    = 16
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
	// ProbeTimeout is how long a direct ping of a peer whose round trip
	// was never measured may go unanswered before helpers are asked to
	// probe indirectly (default 1 s). A measured peer's timeout is
	// RFC 6298's retransmission timeout, SRTT + 4·RTTVAR, from
	// MinProbeTimeout up to the larger of ProbeTimeout and half the
	// maximum suspicion timeout; a peer not measured yet gets
	// ProbeTimeout. The indirect probe gets as long again
	// before the verdict. Either is stretched by the local health
	// multiplier. A probe may outlast the protocol period; the next one
	// starts when it ends.
	ProbeTimeout time.Duration
	// MinProbeTimeout is the floor of a measured peer's probe timeout
	// (default 200 ms); at most ProbeTimeout.
	MinProbeTimeout time.Duration
	// IndirectChecks is how many other active peers are sent a PingReq
	// when a direct probe times out (default 3, at most 16).
	IndirectChecks int
	// SuspicionTimeout is the minimum suspicion timeout (default 1 s; see
	// DefaultSuspicionTimeout for why it has no log N factor).
	SuspicionTimeout time.Duration
	// SuspicionMaxTimeoutMult sets the maximum suspicion timeout, the one a
	// suspicion starts with before any confirmation, to this multiple of
	// SuspicionTimeout (default 6).
	SuspicionMaxTimeoutMult int
	// SuspicionConfirmations is how many independent confirmations bring
	// a suspicion's timeout down to SuspicionTimeout (default 2, at most
	// 16).
	SuspicionConfirmations int
	// InitialIncarnation is the incarnation the node starts at (default
	// 0). A restarted member passes one more than the highest it used
	// before: its Alive then supersedes whatever the cluster last heard of
	// it, dead or left, without its being suspected first and refuting.
	InitialIncarnation uint64
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
	overlay.SetDefault(&c.MinProbeTimeout, DefaultMinProbeTimeout)
	overlay.SetDefault(&c.SuspicionTimeout, DefaultSuspicionTimeout)
	overlay.SetDefault(&c.SuspicionMaxTimeoutMult, DefaultSuspicionMaxTimeoutMult)
	overlay.SetDefault(&c.SuspicionConfirmations, DefaultSuspicionConfirmations)
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
	case c.ProbeTimeout < 0 || c.ProbeTimeout > maxProbeInterval:
		return fmt.Errorf("%w: ProbeTimeout %v outside (0, %v]", ErrInvalidConfig, c.ProbeTimeout, maxProbeInterval)
	case c.IndirectChecks < 1 || c.IndirectChecks > maxIndirectChecks:
		return fmt.Errorf("%w: IndirectChecks %d outside 1..%d", ErrInvalidConfig, c.IndirectChecks, maxIndirectChecks)
	case c.MinProbeTimeout < 0 || c.MinProbeTimeout > c.ProbeTimeout:
		return fmt.Errorf("%w: MinProbeTimeout %v must be positive and at most ProbeTimeout %v",
			ErrInvalidConfig, c.MinProbeTimeout, c.ProbeTimeout)
	case c.SuspicionTimeout < 0 || c.SuspicionTimeout > maxProbeInterval:
		return fmt.Errorf("%w: SuspicionTimeout %v outside (0, %v]", ErrInvalidConfig, c.SuspicionTimeout, maxProbeInterval)
	case c.SuspicionConfirmations < 1 || c.SuspicionConfirmations > maxConfirmations:
		return fmt.Errorf("%w: SuspicionConfirmations %d outside 1..%d", ErrInvalidConfig, c.SuspicionConfirmations, maxConfirmations)
	case c.SuspicionMaxTimeoutMult < 1 || c.SuspicionMaxTimeoutMult > maxMultiplier:
		return fmt.Errorf("%w: SuspicionMaxTimeoutMult %d outside 1..%d", ErrInvalidConfig, c.SuspicionMaxTimeoutMult, maxMultiplier)
	case c.MaxLocalHealth < 1 || c.MaxLocalHealth > maxLocalHealthBound:
		return fmt.Errorf("%w: MaxLocalHealth %d outside 1..%d", ErrInvalidConfig, c.MaxLocalHealth, maxLocalHealthBound)
	}
	return nil
}
