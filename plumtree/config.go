package plumtree

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// ErrInvalidConfig reports a [Config] that [New] cannot run with.
var ErrInvalidConfig = errors.New("plumtree: invalid config")

// Config configures a [Node]. The zero value of every field except Self and
// Rand means its default; [New] fills the defaults into its own copy and
// never modifies the caller's struct.
//
// "The paper" below is Leitão, Pereira and Rodrigues, "Epidemic Broadcast
// Trees", SRDS 2007.
type Config struct {
	// Self is this node's ID. Required. It never enters the eager or lazy
	// set, and it seeds the message-ID epoch together with Rand.
	Self overlay.NodeID

	// Rand is the node's only source of randomness. Required. In the daemon
	// it must be seeded from crypto/rand: message IDs are unique across the
	// cluster only if epochs are (see [MessageID]).
	Rand *rand.Rand

	// GraftTimeout is the paper's timer 1: how long after the first IHAVE
	// for a missing message the node waits for the eager copy before it
	// GRAFTs an announcer. Default 500ms. The paper says it "should
	// be configured considering the diameter of the overlay and a target
	// maximum recovery latency". The timer counts from when the lazy link
	// would have delivered the message, the IHAVE's arrival less the time
	// the entry waited in the announcer's batch (IHaveFlushInterval), and
	// runs at least SecondGraftTimeout after the arrival; so it only has
	// to cover the eager path lagging a lazy announcer: a few WAN hops of
	// up to ~100ms each in a multi-datacenter cluster. A shorter timer
	// grafts links that duplicates then prune again.
	GraftTimeout time.Duration

	// SecondGraftTimeout is the paper's timer 2: after a GRAFT, how long to
	// wait for the message before grafting the next announcer. Default
	// 250ms: the paper puts it "in the order of an average round trip
	// time to a neighbor", and cross-datacenter round trips reach ~200ms.
	SecondGraftTimeout time.Duration

	// IHaveFlushInterval is how often batched IHAVE announcements are sent
	// to lazy peers (on Tick). Zero, the default, sends them at the end of
	// the same call that produced them, still one IHAVE per lazy peer per
	// call. Immediate is the default because a delay adds straight onto
	// repair latency, while the runtime already sends IHAVEs at the lowest
	// priority; raise it to trade repair latency for fewer packets.
	IHaveFlushInterval time.Duration

	// MaxIHaveEntries bounds the entries of one IHAVE, sent or accepted. A
	// lazy peer's batch is flushed as soon as it is full, and a received
	// IHAVE with more entries is ignored. Default 256: about 8 KiB on the
	// wire, far inside the codec's default limits; at most
	// overlay.DefaultMaxArrayElements.
	MaxIHaveEntries int

	// CacheTTL is how long a received message's payload is kept to answer
	// GRAFTs. Default 30s. A GRAFT comes at most GraftTimeout plus one
	// SecondGraftTimeout per announcer after the IHAVE (about 2s with the
	// defaults and an active view of 5), so 30s leaves a wide margin for
	// slow links and pauses. Must exceed GraftTimeout+SecondGraftTimeout.
	CacheTTL time.Duration

	// AnnounceWindow is how far back a node announces, by IHAVE, the
	// messages it received to a neighbour that has just come up. Default
	// 5s: longer than a broadcast takes to cross the overlay and the graft
	// timers take to repair it, so a link made during a broadcast's
	// passage (typically a repair after failures) still carries it. A
	// negative value disables it, as in the paper.
	AnnounceWindow time.Duration

	// MaxPayloadBytes bounds a broadcast's payload, sent or received.
	// Default 768 KiB: room for a catalog record at its largest (half a
	// frame, node/catalog) and its envelope, inside one
	// overlay.DefaultMaxFrameBytes frame with the GOSSIP around it. A
	// larger payload is not broadcast ([Node.Broadcast] returns the zero
	// ID) and a received GOSSIP carrying one is dropped; both are counted
	// in [Stats].
	MaxPayloadBytes int

	// MaxCacheEntries bounds the number of cached payloads. Default 10000
	// (about 300 messages/s sustained over CacheTTL).
	MaxCacheEntries int

	// MaxCacheBytes bounds the sum of cached payload sizes. Default 32 MiB.
	// A payload larger than this is delivered and forwarded but not cached.
	MaxCacheBytes int

	// SeenTTL is how long a received message's ID is remembered for
	// exactly-once delivery and for the tree optimisations. Default
	// 2×CacheTTL; must be at least CacheTTL. See the package comment for
	// what happens to a copy that arrives after its ID is forgotten.
	SeenTTL time.Duration

	// MaxSeenEntries bounds the remembered IDs. Default 10×MaxCacheEntries;
	// must be at least MaxCacheEntries. When full, the oldest ID is
	// forgotten early and counted in [Stats].SeenEvictedEarly.
	MaxSeenEntries int

	// MaxMissing bounds the messages announced by IHAVE but not yet
	// received (each holding a graft timer). Default 10000. Announcements
	// of further messages are ignored and counted.
	MaxMissing int

	// OptimizationThreshold is the paper's hop-count rule (§3.8): when a
	// lazy peer announces a received message with a round (hop count)
	// smaller by at least this many hops than the round it arrived with,
	// the announcer is grafted and the eager sender pruned. Default 7, the
	// value of the paper's experimental setup. A negative value disables
	// the rule.
	OptimizationThreshold int

	// OptimizationEvidence is how many consecutive messages arriving
	// through the same eager sender must show the same lazy peer on the
	// better path before the links swap. Default 3. The paper's rules
	// swap on one message; with many origins that reshapes the shared tree
	// for whichever root spoke last, and the swaps — each good for one root,
	// bad for the roots on the other side — drive the tree towards a random
	// spanning tree whose depth grows like √n (measured: LDH 11 → 33 at
	// 1,000 nodes with random senders, loadtest/RESULTS.md).
	OptimizationEvidence int

	// LatencyOptimization enables the latency rule: when a message arrives
	// by GOSSIP more than LatencyMargin after a lazy announcer could have
	// delivered it, the two links swap roles. Off by default because it
	// relies on the runtime passing receive times, not processing times.
	LatencyOptimization bool

	// LatencyMargin is the advantage the lazy path must have before the
	// latency rule swaps links; it absorbs jitter so that two equally good
	// paths never trade places. Default 20ms: above the jitter of a WAN
	// path, below the detours (tens of ms) worth removing.
	LatencyMargin time.Duration

	// EstimateRTT, when set, estimates the round-trip time to a neighbour
	// (for example from Vivaldi coordinates) and makes the latency rule
	// compare links by estimate rather than by one noisy sample (rule 3
	// in the package comment). Nil means unused. Requires
	// LatencyOptimization. It must be a pure function of its argument for
	// the duration of a call.
	EstimateRTT func(overlay.NodeID) (time.Duration, bool)

	// OptimizationCooldown spaces tree optimisations: after the k-th
	// optimisation since the neighbour set last changed, the next one may
	// happen no sooner than OptimizationCooldown·2^(k-1) later. Default 5s:
	// a swap only pays off over the broadcasts that follow it. The doubling
	// makes any oscillation die out (see the package comment).
	OptimizationCooldown time.Duration
}

// Default values of [Config] fields; see the fields for the reasons.
const (
	DefaultGraftTimeout          = 500 * time.Millisecond
	DefaultSecondGraftTimeout    = 250 * time.Millisecond
	DefaultMaxIHaveEntries       = 256
	DefaultCacheTTL              = 30 * time.Second
	DefaultMaxPayloadBytes       = 3 * overlay.DefaultMaxFrameBytes / 4
	DefaultMaxCacheEntries       = 10000
	DefaultMaxCacheBytes         = 32 << 20
	DefaultMaxMissing            = 10000
	DefaultOptimizationThreshold = 7
	DefaultOptimizationEvidence  = 3
	DefaultAnnounceWindow        = 5 * time.Second
	DefaultLatencyMargin         = 20 * time.Millisecond
	DefaultOptimizationCooldown  = 5 * time.Second

	// defaultSeenTTLFactor and defaultSeenEntriesFactor derive SeenTTL and
	// MaxSeenEntries from the cache bounds. Copies of a message arrive
	// within seconds of each other, and a GRAFT's within CacheTTL, so twice
	// CacheTTL leaves a margin as long again. (It was 3: at 1,000 simulated
	// nodes the seen sets were a quarter of the heap, 255 MB of 1 GB.)
	defaultSeenTTLFactor     = 2
	defaultSeenEntriesFactor = 10
)

// withDefaults returns a copy of c with every zero field set to its default.
func (c Config) withDefaults() Config {
	overlay.SetDefault(&c.GraftTimeout, DefaultGraftTimeout)
	overlay.SetDefault(&c.SecondGraftTimeout, DefaultSecondGraftTimeout)
	overlay.SetDefault(&c.MaxIHaveEntries, DefaultMaxIHaveEntries)
	overlay.SetDefault(&c.CacheTTL, DefaultCacheTTL)
	overlay.SetDefault(&c.AnnounceWindow, DefaultAnnounceWindow)
	overlay.SetDefault(&c.MaxPayloadBytes, DefaultMaxPayloadBytes)
	overlay.SetDefault(&c.MaxCacheEntries, DefaultMaxCacheEntries)
	overlay.SetDefault(&c.MaxCacheBytes, DefaultMaxCacheBytes)
	overlay.SetDefault(&c.SeenTTL, defaultSeenTTLFactor*c.CacheTTL)
	overlay.SetDefault(&c.MaxSeenEntries, defaultSeenEntriesFactor*c.MaxCacheEntries)
	overlay.SetDefault(&c.MaxMissing, DefaultMaxMissing)
	overlay.SetDefault(&c.OptimizationThreshold, DefaultOptimizationThreshold)
	overlay.SetDefault(&c.OptimizationEvidence, DefaultOptimizationEvidence)
	overlay.SetDefault(&c.LatencyMargin, DefaultLatencyMargin)
	overlay.SetDefault(&c.OptimizationCooldown, DefaultOptimizationCooldown)
	return c
}

// Validate reports whether c, with its defaults filled in, can run a node.
// Zero fields are valid: they stand for their defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	if err := (overlay.Peer{ID: c.Self}).Validate(); err != nil {
		return fmt.Errorf("%w: Self: %w", ErrInvalidConfig, err)
	}
	if c.Rand == nil {
		return fmt.Errorf("%w: Rand is nil", ErrInvalidConfig)
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"GraftTimeout", c.GraftTimeout},
		{"SecondGraftTimeout", c.SecondGraftTimeout},
		{"CacheTTL", c.CacheTTL},
		{"SeenTTL", c.SeenTTL},
		{"LatencyMargin", c.LatencyMargin},
		{"OptimizationCooldown", c.OptimizationCooldown},
	} {
		if d.value < 0 {
			return fmt.Errorf("%w: %s is %v, want 0 (default) or positive", ErrInvalidConfig, d.name, d.value)
		}
	}
	for _, n := range []struct {
		name  string
		value int
	}{
		{"MaxIHaveEntries", c.MaxIHaveEntries},
		{"MaxPayloadBytes", c.MaxPayloadBytes},
		{"MaxCacheEntries", c.MaxCacheEntries},
		{"MaxCacheBytes", c.MaxCacheBytes},
		{"MaxSeenEntries", c.MaxSeenEntries},
		{"MaxMissing", c.MaxMissing},
		{"OptimizationEvidence", c.OptimizationEvidence},
	} {
		if n.value < 0 {
			return fmt.Errorf("%w: %s is %d, want 0 (default) or positive", ErrInvalidConfig, n.name, n.value)
		}
	}
	switch {
	case c.IHaveFlushInterval < 0:
		return fmt.Errorf("%w: IHaveFlushInterval is %v, want 0 (immediate) or positive", ErrInvalidConfig, c.IHaveFlushInterval)
	case c.MaxIHaveEntries > overlay.DefaultMaxArrayElements:
		return fmt.Errorf("%w: MaxIHaveEntries is %d, above the codec's array limit %d",
			ErrInvalidConfig, c.MaxIHaveEntries, overlay.DefaultMaxArrayElements)
	case c.MaxPayloadBytes > overlay.DefaultMaxFrameBytes:
		return fmt.Errorf("%w: MaxPayloadBytes is %d, above the frame limit %d", ErrInvalidConfig, c.MaxPayloadBytes, overlay.DefaultMaxFrameBytes)
	case c.CacheTTL <= c.GraftTimeout+c.SecondGraftTimeout:
		return fmt.Errorf("%w: CacheTTL %v must exceed GraftTimeout+SecondGraftTimeout (%v), or GRAFTs cannot be answered",
			ErrInvalidConfig, c.CacheTTL, c.GraftTimeout+c.SecondGraftTimeout)
	case c.SeenTTL < c.CacheTTL:
		return fmt.Errorf("%w: SeenTTL %v is shorter than CacheTTL %v", ErrInvalidConfig, c.SeenTTL, c.CacheTTL)
	case c.MaxSeenEntries < c.MaxCacheEntries:
		return fmt.Errorf("%w: MaxSeenEntries %d is below MaxCacheEntries %d", ErrInvalidConfig, c.MaxSeenEntries, c.MaxCacheEntries)
	case c.EstimateRTT != nil && !c.LatencyOptimization:
		return fmt.Errorf("%w: EstimateRTT is set but LatencyOptimization is off, so it would never be used", ErrInvalidConfig)
	}
	return nil
}

// hopRuleEnabled reports whether the paper's hop-count optimisation runs.
func (c Config) hopRuleEnabled() bool { return c.OptimizationThreshold > 0 }
