package vivaldi

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// ErrInvalidConfig reports a [Config] that [New] cannot run with.
var ErrInvalidConfig = errors.New("vivaldi: invalid config")

// References quoted by the defaults:
//
//	[Vivaldi] Dabek, Cox, Kaashoek and Morris, "Vivaldi: A Decentralized
//	          Network Coordinate System", SIGCOMM 2004.
//	[Wild]    Ledlie, Gardner and Seltzer, "Network Coordinates in the
//	          Wild", NSDI 2007.
//	[Lee]     Lee, Zhang, Sahu and Saha, "On Suitability of Euclidean
//	          Embedding for Host-Based Network Coordinate Systems",
//	          IEEE/ACM Transactions on Networking 18(1), 2010.
//	[serf]    hashicorp/serf, package coordinate, DefaultConfig.
const (
	// DefaultDimensionality was chosen by measurement; see
	// [Config.Dimensionality].
	DefaultDimensionality = 8
	// DefaultVivaldiErrorMax is the error estimate of a node that has not
	// measured anything yet, and the ceiling of every later estimate [serf].
	DefaultVivaldiErrorMax = 1.5
	// DefaultVivaldiCE and DefaultVivaldiCC are the constants of the
	// adaptive error estimate and of the adaptive timestep. cc = 0.25 is
	// the timestep [Vivaldi] recommends; [serf] uses 0.25 for both.
	DefaultVivaldiCE = 0.25
	DefaultVivaldiCC = 0.25
	// DefaultAdjustmentWindowSize is the number of recent samples averaged
	// into the adjustment term of [Lee], as in [serf].
	DefaultAdjustmentWindowSize = 20
	// DefaultHeightMin keeps the height positive while adding an error far
	// below any network round trip [serf].
	DefaultHeightMin = 10 * time.Microsecond
	// DefaultLatencyFilterSize is the per-peer history of the moving median
	// that drops RTT spikes before they move the coordinate: [Wild] feeds
	// Vivaldi a low percentile of a short per-link history instead of raw
	// samples, [serf] the median of the last three.
	DefaultLatencyFilterSize = 3
	// DefaultGravityRho scales the pull toward the origin that [Wild]
	// introduces against drift of the whole coordinate system: a node at
	// Euclidean distance d from the origin moves (d/ρ)² toward it on each
	// update, both in seconds. 150 s is [serf]'s value: about 2 µs per
	// update for a node 200 ms out. It made no measurable difference to
	// the PlanetLab accuracy below, yet it pulls a drifting system home
	// (TestGravityCountersDrift).
	DefaultGravityRho = 150 * time.Second
	// DefaultMaxPeers bounds the peers whose latency-filter state a node
	// keeps. A node measures its few HyParView active peers over and over,
	// and random members now and then (node's coordinate samples, one
	// every 1.5 s): the filter matters for the first, and for the second
	// holds at most a sample or two taken minutes apart. 128 keeps the
	// active peers (evicted least recently updated first) and the last few
	// minutes of samples. With 1024, at 1,000 simulated nodes the filters
	// took 40 MB of a 1 GB heap, filling with members sampled once.
	DefaultMaxPeers = 128
	// DefaultSmoothingWindow is the time constant, in updates, of the
	// moving average a node shows (see [Node.Smoothed]); measured in
	// loadtest/RESULTS.md (the vivaldi experiment, 2026-12-02).
	DefaultSmoothingWindow = 32
)

// MaxRTT is the largest round-trip time [Node.Update] accepts; longer
// samples are refused as absurd, like [serf]'s 10 s ceiling.
const MaxRTT = 10 * time.Second

// Bounds that keep a configuration, and the state it sizes, reasonable.
const (
	maxDimensionality    = 64
	maxAdjustmentWindow  = 1 << 16
	maxLatencyFilterSize = 64
	maxSmoothingWindow   = 1 << 16
)

// Config configures a [Node]. The zero value of every field except Rand
// means its default; [New] fills the defaults into its own copy and never
// modifies the caller's struct. The references are listed above
// [DefaultDimensionality].
type Config struct {
	// Rand is the node's only source of randomness: it picks a random
	// direction when two coordinates coincide, as [Vivaldi] prescribes.
	// Required; seed it to reproduce a run.
	Rand *rand.Rand

	// Dimensionality is the number of Euclidean components of a coordinate;
	// a height is always added. Default 8, chosen by measurement
	// (TestDimensionalityOnPlanetLab with -planetlab.seeds=4): 490 nodes,
	// the default configuration otherwise, each node taking 600 samples
	// from a uniformly random peer of the PlanetLab matrix in
	// loadtest/data/planetlab490; error of the estimate for all 119,805
	// pairs, relative to the measured RTT, mean of four seeds:
	//
	//	dimensions       2      3      4      5      8
	//	median         0.091  0.086  0.087  0.085  0.081
	//	90th pct       0.442  0.395  0.400  0.390  0.367
	//
	// [Wild] argues that a few dimensions plus a height suffice, but on
	// this matrix the error keeps falling: 8, [serf]'s choice, is 7% better
	// than 4 at the median and 8% at the 90th percentile, for about 36 more
	// bytes per coordinate on the wire (four more CBOR float64s). Ten
	// dimensions gained only another 0.004 at the median.
	// At most 64.
	Dimensionality int

	// VivaldiErrorMax is the initial error estimate and its ceiling
	// (default 1.5).
	VivaldiErrorMax float64
	// VivaldiCE weighs a new sample against the running error estimate
	// (default 0.25). In (0, 1].
	VivaldiCE float64
	// VivaldiCC scales the adaptive timestep: a sample moves the coordinate
	// by at most VivaldiCC times its prediction error (default 0.25).
	// In (0, 1].
	VivaldiCC float64

	// AdjustmentWindowSize is the number of recent (RTT − distance)
	// residuals averaged into the adjustment term (default 20).
	AdjustmentWindowSize int
	// HeightMin is the smallest height a coordinate takes (default 10 µs).
	// It must stay below MaxRTT.
	HeightMin time.Duration
	// LatencyFilterSize is the number of recent RTT samples per peer whose
	// median feeds the update (default 3). At most 64.
	LatencyFilterSize int
	// GravityRho is the gravity constant ρ (default 150 s); a larger value
	// pulls more weakly.
	GravityRho time.Duration
	// MaxPeers bounds the peers with latency-filter state (default 128).
	// Past it, the peer updated least recently is forgotten.
	MaxPeers int
	// SmoothingWindow is the time constant, in updates, of the smoothed
	// coordinate (default 32). At most 2^16; 1 smooths nothing.
	SmoothingWindow int
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	overlay.SetDefault(&c.Dimensionality, DefaultDimensionality)
	overlay.SetDefault(&c.SmoothingWindow, DefaultSmoothingWindow)
	overlay.SetDefault(&c.VivaldiErrorMax, DefaultVivaldiErrorMax)
	overlay.SetDefault(&c.VivaldiCE, DefaultVivaldiCE)
	overlay.SetDefault(&c.VivaldiCC, DefaultVivaldiCC)
	overlay.SetDefault(&c.AdjustmentWindowSize, DefaultAdjustmentWindowSize)
	overlay.SetDefault(&c.HeightMin, DefaultHeightMin)
	overlay.SetDefault(&c.LatencyFilterSize, DefaultLatencyFilterSize)
	overlay.SetDefault(&c.GravityRho, DefaultGravityRho)
	overlay.SetDefault(&c.MaxPeers, DefaultMaxPeers)
	return c
}

// Validate reports the first nonsensical field of c, after defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Rand == nil:
		return fmt.Errorf("%w: Rand is nil", ErrInvalidConfig)
	case c.Dimensionality < 1 || c.Dimensionality > maxDimensionality:
		return fmt.Errorf("%w: Dimensionality %d outside 1..%d", ErrInvalidConfig, c.Dimensionality, maxDimensionality)
	case !(c.VivaldiErrorMax > 0) || c.VivaldiErrorMax > maxMagnitude:
		return fmt.Errorf("%w: VivaldiErrorMax %v outside (0, %g]", ErrInvalidConfig, c.VivaldiErrorMax, float64(maxMagnitude))
	case !(c.VivaldiCE > 0 && c.VivaldiCE <= 1):
		return fmt.Errorf("%w: VivaldiCE %v outside (0, 1]", ErrInvalidConfig, c.VivaldiCE)
	case !(c.VivaldiCC > 0 && c.VivaldiCC <= 1):
		return fmt.Errorf("%w: VivaldiCC %v outside (0, 1]", ErrInvalidConfig, c.VivaldiCC)
	case c.AdjustmentWindowSize < 1 || c.AdjustmentWindowSize > maxAdjustmentWindow:
		return fmt.Errorf("%w: AdjustmentWindowSize %d outside 1..%d", ErrInvalidConfig, c.AdjustmentWindowSize, maxAdjustmentWindow)
	case c.HeightMin < 0 || c.HeightMin >= MaxRTT:
		return fmt.Errorf("%w: HeightMin %v outside (0, %v)", ErrInvalidConfig, c.HeightMin, MaxRTT)
	case c.LatencyFilterSize < 1 || c.LatencyFilterSize > maxLatencyFilterSize:
		return fmt.Errorf("%w: LatencyFilterSize %d outside 1..%d", ErrInvalidConfig, c.LatencyFilterSize, maxLatencyFilterSize)
	case c.GravityRho < 0:
		return fmt.Errorf("%w: negative GravityRho %v", ErrInvalidConfig, c.GravityRho)
	case c.MaxPeers < 1:
		return fmt.Errorf("%w: MaxPeers %d < 1", ErrInvalidConfig, c.MaxPeers)
	case c.SmoothingWindow < 1 || c.SmoothingWindow > maxSmoothingWindow:
		return fmt.Errorf("%w: SmoothingWindow %d outside 1..%d", ErrInvalidConfig, c.SmoothingWindow, maxSmoothingWindow)
	}
	return nil
}

// origin returns the coordinate a node starts from and falls back to: the
// origin of the space, the minimum height and the maximum error.
func (c Config) origin() Coordinate {
	return Coordinate{
		Vec:    make([]float64, c.Dimensionality),
		Error:  c.VivaldiErrorMax,
		Height: c.HeightMin.Seconds(),
	}
}
