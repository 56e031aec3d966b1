package vivaldi

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrInvalidCoordinate reports a [Coordinate] that fails [Coordinate.Validate].
var ErrInvalidCoordinate = errors.New("vivaldi: invalid coordinate")

// maxMagnitude bounds, in seconds, every field of a valid coordinate. No
// round trip comes within orders of magnitude of it, and it keeps every sum
// and square computed from valid coordinates finite.
const maxMagnitude = 1e6

// Coordinate is a node's position in the latency space: a Euclidean vector,
// a height that models the node's access link, and an adjustment that
// absorbs what the embedding cannot express. Distances are in seconds, as
// float64, so a coordinate is a few dozen bytes on the wire; it rides in
// SWIM acks and catalog records.
type Coordinate struct {
	// Vec is the Euclidean part, one component per dimension, in seconds.
	Vec []float64 `cbor:"1,keyasint,omitempty"`
	// Error is the node's own estimate of its relative prediction error,
	// dimensionless: 0 is a perfect fit, VivaldiErrorMax knows nothing.
	Error float64 `cbor:"2,keyasint,omitempty"`
	// Adjustment, in seconds and possibly negative, is added to every
	// distance from this coordinate: half the recent mean of (measured RTT −
	// estimated distance).
	Adjustment float64 `cbor:"3,keyasint,omitempty"`
	// Height, in seconds and never negative, is added to every distance
	// from this coordinate: the part of the latency that lies on the node's
	// own link, whatever the direction.
	Height float64 `cbor:"4,keyasint,omitempty"`
}

// Validate reports whether c is a usable coordinate of dimensionality dim:
// the right number of components, every field a finite number of at most
// 10⁶ seconds in magnitude, and neither height nor error negative. The
// error wraps [ErrInvalidCoordinate].
func (c Coordinate) Validate(dim int) error {
	if len(c.Vec) != dim {
		return fmt.Errorf("%w: %d dimensions, want %d", ErrInvalidCoordinate, len(c.Vec), dim)
	}
	for i, v := range c.Vec {
		if !isBounded(v) {
			return fmt.Errorf("%w: component %d is %v", ErrInvalidCoordinate, i, v)
		}
	}
	switch {
	case !isBounded(c.Error) || c.Error < 0:
		return fmt.Errorf("%w: error estimate %v", ErrInvalidCoordinate, c.Error)
	case !isBounded(c.Height) || c.Height < 0:
		return fmt.Errorf("%w: height %v", ErrInvalidCoordinate, c.Height)
	case !isBounded(c.Adjustment):
		return fmt.Errorf("%w: adjustment %v", ErrInvalidCoordinate, c.Adjustment)
	}
	return nil
}

// isBounded reports whether v is a number no larger in magnitude than
// maxMagnitude; NaN and ±Inf are not.
func isBounded(v float64) bool { return math.Abs(v) <= maxMagnitude }

// DistanceTo estimates the round-trip time between c and other: the
// Euclidean distance between their vectors, plus both heights, plus both
// adjustments. Should the adjustments bring the sum to zero or below, the
// unadjusted distance is returned instead, as serf does.
//
// The estimate is symmetric and never negative. Callers should compare
// only coordinates that pass [Coordinate.Validate] with one dimensionality;
// for others the result is meaningless but well defined: missing
// components count as zero, and a NaN estimate is returned as 0.
func (c Coordinate) DistanceTo(other Coordinate) time.Duration {
	return secondsToDuration(c.estimate(other))
}

// estimate is DistanceTo in seconds.
func (c Coordinate) estimate(other Coordinate) float64 {
	dist := c.rawDistance(other)
	if adjusted := dist + (c.Adjustment + other.Adjustment); adjusted > 0 {
		return adjusted
	}
	return dist
}

// rawDistance is the distance between c and other without adjustments, in
// seconds. Each sum pairs c's term with other's in an order-free way, so
// the result is bit-for-bit symmetric.
func (c Coordinate) rawDistance(other Coordinate) float64 {
	return euclidean(c.Vec, other.Vec) + (c.Height + other.Height)
}

// clone returns a copy of c that shares no memory with it.
func (c Coordinate) clone() Coordinate {
	c.Vec = append([]float64(nil), c.Vec...)
	return c
}

// secondsToDuration converts s to a Duration, mapping NaN and negative
// values to 0 and saturating at the largest Duration.
func secondsToDuration(s float64) time.Duration {
	switch {
	case !(s > 0):
		return 0
	case s >= math.MaxInt64/float64(time.Second):
		return math.MaxInt64
	}
	return time.Duration(s * float64(time.Second))
}

// euclidean returns the Euclidean distance between a and b, counting the
// components missing from the shorter one as zero.
func euclidean(a, b []float64) float64 {
	if len(a) < len(b) {
		a, b = b, a
	}
	sum := 0.0
	for i, x := range a {
		d := x
		if i < len(b) {
			d -= b[i]
		}
		sum += d * d
	}
	return math.Sqrt(sum)
}
