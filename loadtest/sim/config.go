package sim

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrInvalidConfig is wrapped by every error [Config.Validate] returns.
var ErrInvalidConfig = errors.New("sim: invalid config")

// defaultStart is the virtual epoch used when Config.Start is zero. Any fixed
// date will do; it only has to be the same in every run.
var defaultStart = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)

// Config describes the modelled network. The zero value is a lossless network
// with zero latency, instant send failures and instant crash detection.
type Config struct {
	// Seed seeds the network's own generator (math/rand/v2 PCG), which draws
	// losses and latencies and is lent to experiments through Network.Rand.
	Seed uint64
	// Latency is the one-way delay model; nil means Constant(0).
	Latency Latency
	// Loss is the probability, 0..1, that a message is silently dropped.
	Loss float64
	// SendFailureDelay is how long after a send to a crashed node the sender
	// hears Handler.SendFailed. 0 delivers the failure at the current instant
	// (after the running event), the TCP model of the HyParView paper
	// (Leitão, Pereira, Rodrigues, DSN 2007, §4.1); a QUIC handshake timeout
	// is modelled by a few seconds.
	SendFailureDelay time.Duration
	// CrashDetection is how long after a crash or a partition cuts a
	// connection each live end hears Handler.ConnectionLost. Negative means
	// never: connections are then learnt to be broken only by a failed send,
	// and a partition leaves them in place.
	CrashDetection time.Duration
	// Start is the virtual epoch, the time Network.Now reports before any
	// event; zero means a fixed date (never the wall clock).
	Start time.Time
}

// validator is implemented by latency models that can be misconfigured.
type validator interface {
	Validate() error
}

// Validate reports a descriptive error wrapping ErrInvalidConfig when c
// describes no possible network.
func (c Config) Validate() error {
	if math.IsNaN(c.Loss) || c.Loss < 0 || c.Loss > 1 {
		return fmt.Errorf("%w: Loss %v outside [0, 1]", ErrInvalidConfig, c.Loss)
	}
	if c.SendFailureDelay < 0 {
		return fmt.Errorf("%w: SendFailureDelay %v is negative", ErrInvalidConfig, c.SendFailureDelay)
	}
	if v, ok := c.Latency.(validator); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("%w: Latency: %w", ErrInvalidConfig, err)
		}
	}
	return nil
}
