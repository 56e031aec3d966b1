package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/overlayd/overlayd/overlay/netem"
)

// Latency is a model of one-way message delay. OneWay may draw from rng (the
// network's generator) and must draw from nothing else, so that runs repeat.
// A negative result is treated as zero.
type Latency interface {
	OneWay(from, to int, rng *rand.Rand) time.Duration
}

// fixedPerLink is implemented by the latency models whose delay on a given
// link is the same for every message. Messages on such a link cannot
// overtake each other, so the network skips the bookkeeping that otherwise
// keeps each link in order.
type fixedPerLink interface {
	fixedPerLink()
}

// Constant is a fixed one-way delay between every pair of nodes.
type Constant time.Duration

func (Constant) fixedPerLink() {}

// OneWay returns the constant.
func (c Constant) OneWay(_, _ int, _ *rand.Rand) time.Duration { return time.Duration(c) }

// Validate rejects a negative delay.
func (c Constant) Validate() error {
	if c < 0 {
		return fmt.Errorf("constant latency %v is negative", time.Duration(c))
	}
	return nil
}

// Uniform draws every message's one-way delay independently and uniformly
// from [Min, Max]. Messages on one link still arrive in order: the network
// holds a message back rather than let it overtake an earlier one.
type Uniform struct {
	Min, Max time.Duration
}

// OneWay draws a delay in [Min, Max].
func (u Uniform) OneWay(_, _ int, rng *rand.Rand) time.Duration {
	if u.Max <= u.Min {
		return u.Min
	}
	return u.Min + time.Duration(rng.Int64N(int64(u.Max-u.Min)+1))
}

// Validate rejects a negative Min or a Max below Min.
func (u Uniform) Validate() error {
	if u.Min < 0 {
		return fmt.Errorf("uniform latency Min %v is negative", u.Min)
	}
	if u.Max < u.Min {
		return fmt.Errorf("uniform latency Max %v is below Min %v", u.Max, u.Min)
	}
	return nil
}

// MatrixLatency takes one-way delays from a measured RTT matrix: node i
// lives on host i % M.Hosts(), and a message takes half the RTT between the
// two hosts, or the matrix median where that RTT is missing. Nodes that share
// a host (when there are more nodes than hosts) are SameHost apart.
type MatrixLatency struct {
	M        *netem.RTTMatrix
	SameHost time.Duration
}

func (MatrixLatency) fixedPerLink() {}

// Host returns the matrix host that node i is placed on.
func (l MatrixLatency) Host(i int) int { return i % l.M.Hosts() }

// OneWay returns half the round-trip time between the nodes' hosts.
func (l MatrixLatency) OneWay(from, to int, _ *rand.Rand) time.Duration {
	hf, ht := l.Host(from), l.Host(to)
	if hf == ht {
		return l.SameHost
	}
	return l.M.RTTOrMedian(hf, ht) / 2
}

// Validate rejects a missing or empty matrix and a negative SameHost.
func (l MatrixLatency) Validate() error {
	if l.M == nil || l.M.Hosts() == 0 {
		return errors.New("matrix latency has no matrix")
	}
	if l.SameHost < 0 {
		return fmt.Errorf("matrix latency SameHost %v is negative", l.SameHost)
	}
	return nil
}
