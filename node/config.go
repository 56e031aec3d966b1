package node

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/overlayd/overlayd/hyparview"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/plumtree"
	"github.com/overlayd/overlayd/swim"
	"github.com/overlayd/overlayd/vivaldi"
)

// ErrInvalidConfig reports a Config that New refuses.
var ErrInvalidConfig = errors.New("node: invalid config")

// Defaults of the Core's own periodic work.
const (
	// DefaultAntiEntropyInterval spaces the digest exchanges with a random
	// active peer. The broadcasts carry every change; anti-entropy only
	// repairs what they missed, so it can be rare: 30 s is memberlist's
	// push-pull interval (DefaultLANConfig.PushPullInterval).
	DefaultAntiEntropyInterval = 30 * time.Second
	// DefaultAntiEntropyBuckets is the digest's size: 64 hashes, 512 bytes.
	DefaultAntiEntropyBuckets = 64
	// A node re-broadcasts its coordinate only when it has moved, since the
	// last broadcast, by more than DefaultCoordinateMove and
	// DefaultCoordinateMoveRatio of the RTT it typically measures to its
	// neighbours: Vivaldi's estimates are good to about 10 %
	// (loadtest/RESULTS.md), so a smaller move changes no nearest choice.
	// A move is measured by vivaldi.Coordinate.Shift: how much any estimate
	// from the node can have changed. Such moves share a cluster-wide
	// budget of DefaultCoordinateBudget broadcasts per second: a node that
	// moved by k times the threshold waits cluster size / budget / k
	// since its last broadcast, k at most 2, so that the nodes that moved
	// most go first and the cluster's routine rate stays below twice the
	// budget however large it grows. A node
	// whose last broadcast coordinate had not settled (node/own.go,
	// unsettledError) and whose error estimate has halved since — a new
	// node's first real coordinates — goes out after
	// DefaultCoordinateInterval.
	DefaultCoordinateInterval  = 60 * time.Second
	DefaultCoordinateMove      = 5 * time.Millisecond
	DefaultCoordinateMoveRatio = 0.25
	DefaultCoordinateBudget    = 0.2
	// DefaultSampleInterval spaces the coordinate samples a node takes from
	// random members. Probes of the five active peers alone leave a
	// coordinate underdetermined and drifting; Serf's coordinates on the
	// PlanetLab matrix fall from 0.078 to 0.18 median error when each node
	// samples a fixed set of 8 peers (measured for this project's issue 4).
	// 1.5 s rather than 3 s: with the probes limited below, the random
	// samples are most of Vivaldi's input. On 160 PlanetLab hosts, 3, 2 and
	// 1.5 s gave median errors of 0.087, 0.081 and 0.081 and nearest hit
	// rates from the catalogs of 0.701, 0.733 and 0.748 (loadtest/RESULTS.md,
	// 2026-12-02), for about 30 B/s more than 3 s.
	DefaultSampleInterval = 1500 * time.Millisecond
	// A new node takes its coordinate samples settleSampleSpeedup times
	// as often as SampleInterval (every 500 ms by default) until Vivaldi
	// has taken DefaultSettleSteps full steps, then broadcasts its
	// coordinate once, settled (node/own_settle.go). On 160 PlanetLab
	// hosts, the catalogs' nearest hit rate went from 0.735 to 0.781 with
	// 300 steps (0.794 with 450), against 0.797 from the current
	// coordinates (loadtest/RESULTS.md, 2026-12-02). 300 steps take about
	// 150 s; 450 took long enough that in `loadtest converge -n 200` the
	// settled broadcasts fell into the steady-state window, 5 minutes after
	// the join (0.42 broadcasts/s, 322 B/s per node, against 0.02/s and
	// 182 B/s with 300). The faster samples cost about 100 B/s more,
	// during the settling only (156 against 60 B/s per node at 200 nodes).
	DefaultSettleSteps  = 300
	settleSampleSpeedup = 3
	// DefaultProbeSampleInterval is the shortest time between two probes
	// of one peer that both feed Vivaldi a full step (node/probe_sample.go).
	// The probes in between take DefaultProbeRepeatWeight of a step, and
	// count as measured RTTs. With the probes in between left out
	// altogether, on 160 PlanetLab hosts,
	// 15, 30, 60 and 120 s gave fresh-coordinate hit rates of 0.742, 0.757,
	// 0.760 and 0.767 against 0.690 with every probe fed, and median errors
	// of 0.089, 0.087, 0.088 and 0.090 against 0.102; 30 s keeps an active
	// peer's sample about as frequent as a random member's.
	DefaultProbeSampleInterval = 30 * time.Second
	// DefaultProbeRepeatWeight scales the Vivaldi step of the probes in
	// between: every probe's RTT updates the coordinate (ARCHITECTURE.md),
	// but a repeat within DefaultProbeSampleInterval moves it by this
	// fraction of a full step.
	DefaultProbeRepeatWeight = 0.1
	// A node keeps the RTTs it measured directly (SWIM probes, coordinate
	// samples) to at most DefaultMeasuredRTTs members, each measurement for
	// DefaultMeasuredRTTMaxAge, and confirms the DefaultNearestCandidates
	// instances of each service that rank nearest by measuring them; see
	// node/measured.go and the Config fields.
	DefaultMeasuredRTTs      = 256
	DefaultMeasuredRTTMaxAge = 5 * time.Minute
	DefaultNearestCandidates = 3
	// sampleTimeout is how long a coordinate sample may go unanswered.
	sampleTimeout = 5 * time.Second
	// DefaultReconnectInterval spaces the attempts to reach a member
	// believed dead, which heal a partition once the network does.
	DefaultReconnectInterval = 30 * time.Second
	// DefaultMaxRecordsPerMessage bounds a Records message, far below the
	// codec's 4,096-element arrays and 1 MiB frames.
	DefaultMaxRecordsPerMessage = 256
)

// Config parameterises a Core. The protocol configurations' Self and Rand
// are set by New; their other fields keep their own defaults when zero.
type Config struct {
	// Self is this node's identity and advertised address. Required.
	Self overlay.Peer
	// Datacenter names the node's datacenter. Required.
	Datacenter string
	// Rand seeds every protocol's random stream. Required.
	Rand *rand.Rand
	// RecordKey signs this node's records (see authenticate.go). Nil means
	// a key derived from Self.ID that anyone can compute, for simulations
	// and tests only: the agent always sets a secret key.
	RecordKey ed25519.PrivateKey
	// KeyAuthority, if set, binds the members' record keys to their names
	// (authenticate_binding.go); overlay.Identity does, through the
	// cluster CA. Nil binds them on first use, for simulations, which
	// have no CA. With it, RecordKey and KeyBinding are required.
	KeyAuthority KeyAuthority
	// KeyBinding is this node's binding of RecordKey's public key, from
	// KeyAuthority.BindRecordKey; the agent makes it.
	KeyBinding *overlay.RecordKeyBinding

	HyParView hyparview.Config
	Plumtree  plumtree.Config
	SWIM      swim.Config
	Vivaldi   vivaldi.Config
	Catalog   catalog.Config

	AntiEntropyInterval  time.Duration
	AntiEntropyBuckets   int
	CoordinateInterval   time.Duration
	CoordinateMove       time.Duration
	CoordinateMoveRatio  float64
	CoordinateBudget     float64 // routine coordinate broadcasts per second, cluster-wide
	ReconnectInterval    time.Duration
	SampleInterval       time.Duration
	ProbeSampleInterval  time.Duration
	ProbeRepeatWeight    float64       // in (0, 1]; see DefaultProbeRepeatWeight
	SettleSteps          int           // full Vivaldi steps of a new node's settling; see DefaultSettleSteps
	SettleSampleInterval time.Duration // default SampleInterval / 3
	MaxRecordsPerMessage int

	// MeasuredRTTs bounds the members whose directly measured RTTs the
	// node keeps (default 256): its five active peers, and the candidates
	// of a few dozen services. Past it, the member measured longest ago is
	// forgotten.
	MeasuredRTTs int
	// MeasuredRTTMaxAge is how long a measured RTT is trusted (default
	// 5 min); a candidate's is measured again once half as old. Internet
	// paths keep their RTT for minutes to hours, and a stale measurement
	// only falls back on the estimate.
	MeasuredRTTMaxAge time.Duration
	// NearestCandidates is how many instances of each service, nearest
	// first by measured RTT or else estimate, the node measures directly
	// (default 3). Vivaldi alone ranks the true nearest of 5 first about
	// 80 % of the time on PlanetLab (issue 6); its misses are among the
	// next few by estimate, which targeted coordinate samples then measure.
	// Every other coordinate sample goes to a candidate lacking a fresh
	// measurement, if there is one.
	NearestCandidates int
}

func (c Config) withDefaults() Config {
	overlay.SetDefault(&c.AntiEntropyInterval, DefaultAntiEntropyInterval)
	overlay.SetDefault(&c.AntiEntropyBuckets, DefaultAntiEntropyBuckets)
	overlay.SetDefault(&c.CoordinateInterval, DefaultCoordinateInterval)
	overlay.SetDefault(&c.CoordinateMove, DefaultCoordinateMove)
	overlay.SetDefault(&c.CoordinateMoveRatio, DefaultCoordinateMoveRatio)
	overlay.SetDefault(&c.CoordinateBudget, DefaultCoordinateBudget)
	overlay.SetDefault(&c.ReconnectInterval, DefaultReconnectInterval)
	overlay.SetDefault(&c.SampleInterval, DefaultSampleInterval)
	overlay.SetDefault(&c.ProbeSampleInterval, DefaultProbeSampleInterval)
	overlay.SetDefault(&c.ProbeRepeatWeight, DefaultProbeRepeatWeight)
	overlay.SetDefault(&c.SettleSteps, DefaultSettleSteps)
	overlay.SetDefault(&c.SettleSampleInterval, c.SampleInterval/settleSampleSpeedup)
	overlay.SetDefault(&c.MaxRecordsPerMessage, DefaultMaxRecordsPerMessage)
	overlay.SetDefault(&c.MeasuredRTTs, DefaultMeasuredRTTs)
	overlay.SetDefault(&c.MeasuredRTTMaxAge, DefaultMeasuredRTTMaxAge)
	overlay.SetDefault(&c.NearestCandidates, DefaultNearestCandidates)
	return c
}

// Validate reports the first nonsensical field of c, after defaults. The
// protocol configurations are validated by their own packages in New.
func (c Config) Validate() error {
	c = c.withDefaults()
	if err := c.Self.Validate(); err != nil {
		return fmt.Errorf("%w: Self: %w", ErrInvalidConfig, err)
	}
	switch {
	case c.Datacenter == "":
		return fmt.Errorf("%w: Datacenter is empty", ErrInvalidConfig)
	case c.Rand == nil:
		return fmt.Errorf("%w: Rand is nil", ErrInvalidConfig)
	case c.RecordKey != nil && len(c.RecordKey) != ed25519.PrivateKeySize:
		return fmt.Errorf("%w: RecordKey of %d bytes, want %d", ErrInvalidConfig, len(c.RecordKey), ed25519.PrivateKeySize)
	case c.KeyAuthority != nil && (c.RecordKey == nil || c.KeyBinding == nil || c.KeyBinding.Node != c.Self.ID ||
		!bytes.Equal(c.KeyBinding.Key, c.RecordKey.Public().(ed25519.PublicKey))):
		return fmt.Errorf("%w: KeyAuthority without RecordKey, or without a KeyBinding of it for %q", ErrInvalidConfig, c.Self.ID)
	case c.ProbeRepeatWeight < 0 || c.ProbeRepeatWeight > 1:
		return fmt.Errorf("%w: ProbeRepeatWeight %v outside [0, 1]", ErrInvalidConfig, c.ProbeRepeatWeight)
	case c.AntiEntropyInterval < 0 || c.CoordinateInterval < 0 || c.CoordinateMove < 0 || c.ReconnectInterval < 0 || c.SampleInterval < 0 || c.ProbeSampleInterval < 0 || c.SettleSampleInterval < 0:
		return fmt.Errorf("%w: negative interval", ErrInvalidConfig)
	case c.CoordinateMoveRatio < 0 || c.CoordinateBudget < 0:
		return fmt.Errorf("%w: negative CoordinateMoveRatio or CoordinateBudget", ErrInvalidConfig)
	case c.AntiEntropyBuckets < 1 || c.AntiEntropyBuckets > 4096:
		return fmt.Errorf("%w: AntiEntropyBuckets %d outside 1..4096", ErrInvalidConfig, c.AntiEntropyBuckets)
	case c.MaxRecordsPerMessage < 1 || c.MaxRecordsPerMessage > 4096:
		return fmt.Errorf("%w: MaxRecordsPerMessage %d outside 1..4096", ErrInvalidConfig, c.MaxRecordsPerMessage)
	case c.SettleSteps < 0:
		return fmt.Errorf("%w: negative SettleSteps", ErrInvalidConfig)
	case c.MeasuredRTTs < 1 || c.MeasuredRTTMaxAge < 0 || c.NearestCandidates < 1:
		return fmt.Errorf("%w: MeasuredRTTs %d or NearestCandidates %d below 1, or negative MeasuredRTTMaxAge", ErrInvalidConfig, c.MeasuredRTTs, c.NearestCandidates)
	}
	return nil
}
