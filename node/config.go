package node

import (
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
	// DefaultCoordinateInterval bounds how often a node re-broadcasts its
	// coordinate, and DefaultCoordinateMove how far it must have moved
	// since the last broadcast. Vivaldi's estimates are good to about 10 %
	// (loadtest/RESULTS.md); a move under 5 ms changes no nearest choice
	// worth the cluster-wide cost of a broadcast.
	DefaultCoordinateInterval = 30 * time.Second
	DefaultCoordinateMove     = 5 * time.Millisecond
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

	HyParView hyparview.Config
	Plumtree  plumtree.Config
	SWIM      swim.Config
	Vivaldi   vivaldi.Config
	Catalog   catalog.Config

	AntiEntropyInterval  time.Duration
	AntiEntropyBuckets   int
	CoordinateInterval   time.Duration
	CoordinateMove       time.Duration
	ReconnectInterval    time.Duration
	MaxRecordsPerMessage int
}

func (c Config) withDefaults() Config {
	setDefault(&c.AntiEntropyInterval, DefaultAntiEntropyInterval)
	setDefault(&c.AntiEntropyBuckets, DefaultAntiEntropyBuckets)
	setDefault(&c.CoordinateInterval, DefaultCoordinateInterval)
	setDefault(&c.CoordinateMove, DefaultCoordinateMove)
	setDefault(&c.ReconnectInterval, DefaultReconnectInterval)
	setDefault(&c.MaxRecordsPerMessage, DefaultMaxRecordsPerMessage)
	return c
}

func setDefault[T int | time.Duration](field *T, def T) {
	if *field == 0 {
		*field = def
	}
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
	case c.AntiEntropyInterval < 0 || c.CoordinateInterval < 0 || c.CoordinateMove < 0 || c.ReconnectInterval < 0:
		return fmt.Errorf("%w: negative interval", ErrInvalidConfig)
	case c.AntiEntropyBuckets < 1 || c.AntiEntropyBuckets > 4096:
		return fmt.Errorf("%w: AntiEntropyBuckets %d outside 1..4096", ErrInvalidConfig, c.AntiEntropyBuckets)
	case c.MaxRecordsPerMessage < 1 || c.MaxRecordsPerMessage > 4096:
		return fmt.Errorf("%w: MaxRecordsPerMessage %d outside 1..4096", ErrInvalidConfig, c.MaxRecordsPerMessage)
	}
	return nil
}
