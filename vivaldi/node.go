package vivaldi

import (
	"errors"
	"fmt"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// ErrInvalidRTT reports a round-trip time [Node.Update] refuses: not
// positive, or longer than [MaxRTT].
var ErrInvalidRTT = errors.New("vivaldi: invalid round-trip time")

// Node is one node's network coordinate and the state that refines it. It
// is not safe for concurrent use: one owner feeds it samples.
type Node struct {
	cfg    Config
	coord  Coordinate
	filter latencyFilter
	adjust adjustmentWindow
	smooth smoothed
	stats  Stats
	// dir is scratch space for the direction of a step.
	dir []float64
}

// New returns a Node at the origin. It copies cfg and fills defaults; the
// caller's struct is not modified.
func New(cfg Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Node{
		cfg:    cfg,
		coord:  cfg.origin(),
		smooth: newSmoothed(cfg.SmoothingWindow, cfg.origin()),
		filter: newLatencyFilter(cfg.LatencyFilterSize, cfg.MaxPeers),
		adjust: newAdjustmentWindow(cfg.AdjustmentWindowSize),
		dir:    make([]float64, cfg.Dimensionality),
	}, nil
}

// Coordinate returns a copy of the node's coordinate.
func (n *Node) Coordinate() Coordinate { return n.coord.clone() }

// Smoothed returns a copy of the moving average of the node's coordinate
// over its last SmoothingWindow updates: the coordinate to show others and
// to rank them from. Coordinate is the one Vivaldi refines, which peers
// need for their own updates.
func (n *Node) Smoothed() Coordinate { return n.smooth.coord.clone() }

// DistanceTo estimates the round-trip time from this node to the node at
// other; see [Coordinate.DistanceTo].
func (n *Node) DistanceTo(other Coordinate) time.Duration { return n.coord.DistanceTo(other) }

// ForgetPeer drops the latency history of peer, for instance once it has
// left or died. Its next sample starts a new history.
func (n *Node) ForgetPeer(peer overlay.NodeID) { n.filter.forget(peer) }

// Stats returns the node's counters.
func (n *Node) Stats() Stats {
	s := n.stats
	s.TrackedPeers = n.filter.len()
	return s
}

// Update feeds one measurement into the coordinate: peer, whose coordinate
// was other when it answered, replied after rtt. It returns a copy of the
// node's new coordinate.
//
// The sample goes through serf's pipeline: the median of peer's recent
// RTTs replaces the raw one, the Vivaldi step moves the coordinate and
// refines its error estimate, the residual joins the adjustment window, and
// gravity pulls the coordinate toward the origin. Should the result ever be
// invalid, the node starts again from the origin and counts a reset.
//
// An invalid peer ID (wrapping overlay.ErrInvalidPeer), a coordinate that
// fails other.Validate for this node's dimensionality (wrapping
// [ErrInvalidCoordinate]) or an RTT that is not positive or exceeds
// [MaxRTT] (wrapping [ErrInvalidRTT]) is refused and counted; the node is
// then unchanged and its coordinate is returned with the error.
func (n *Node) Update(peer overlay.NodeID, other Coordinate, rtt time.Duration) (Coordinate, error) {
	return n.UpdateWeighted(peer, other, rtt, 1)
}

// UpdateWeighted is Update with the Vivaldi step, both the move and the
// change of the error estimate, scaled by weight in (0, 1]. A caller that
// measures a few peers far more often than the rest (SWIM probes its
// active peers every period) weighs the repeats down, so that those peers
// do not outweigh the cluster's other members in the fit. The RTT joins
// the peer's latency filter in full. A weight outside (0, 1] is refused
// like a bad RTT.
func (n *Node) UpdateWeighted(peer overlay.NodeID, other Coordinate, rtt time.Duration, weight float64) (Coordinate, error) {
	if !(weight > 0 && weight <= 1) {
		n.stats.Rejected++
		return n.Coordinate(), fmt.Errorf("%w: weight %v not in (0, 1]", ErrInvalidRTT, weight)
	}
	if err := n.check(peer, other, rtt); err != nil {
		n.stats.Rejected++
		return n.Coordinate(), err
	}
	filtered, evicted := n.filter.add(peer, rtt.Seconds())
	if evicted {
		n.stats.PeersEvicted++
	}
	n.vivaldiStep(other, filtered, weight)
	n.coord.Adjustment = n.adjust.add(filtered - n.coord.rawDistance(other))
	n.applyGravity()
	if n.coord.Validate(n.cfg.Dimensionality) != nil {
		n.reset()
	} else {
		n.smooth.add(n.coord)
	}
	n.stats.Updates++
	return n.Coordinate(), nil
}

// check validates the inputs of Update.
func (n *Node) check(peer overlay.NodeID, other Coordinate, rtt time.Duration) error {
	if err := (overlay.Peer{ID: peer}).Validate(); err != nil {
		return err
	}
	if err := other.Validate(n.cfg.Dimensionality); err != nil {
		return err
	}
	if rtt <= 0 || rtt > MaxRTT {
		return fmt.Errorf("%w: %v not in (0, %v]", ErrInvalidRTT, rtt, MaxRTT)
	}
	return nil
}

// reset puts the node back at the origin with no confidence and an empty
// adjustment window. The latency histories, being measurements, are kept.
func (n *Node) reset() {
	n.coord = n.cfg.origin()
	n.adjust.clear()
	n.smooth.reset(n.coord)
	n.stats.Resets++
}
