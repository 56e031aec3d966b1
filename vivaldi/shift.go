package vivaldi

import (
	"math"
	"time"
)

// Shift is how far a node moved between coordinates c and other, measured
// by what others see: no estimate from c to any third coordinate differs
// from the estimate from other by more than the Euclidean distance between
// the vectors plus the change in height plus the change in adjustment (as
// long as neither estimate falls back on the unadjusted distance). A node
// that stands still has shifted 0, whatever its height; DistanceTo(other)
// would count both heights and adjustments, which is the RTT between the
// two positions, not the move.
func (c Coordinate) Shift(other Coordinate) time.Duration {
	return secondsToDuration(euclidean(c.Vec, other.Vec) +
		math.Abs(c.Height-other.Height) + math.Abs(c.Adjustment-other.Adjustment))
}
