package vivaldi

// smoothed is a moving average of a node's coordinate over its last few
// updates: every field of the coordinate, the vector componentwise. Each
// Vivaldi step moves a coordinate by a fraction of one sample's residual,
// so a coordinate at rest jitters around its place by a few milliseconds
// on every sample; the average keeps the place and drops most of the
// jitter. It is the coordinate a node shows others, after the
// application-level coordinates of Ledlie, Gardner and Seltzer ("Network
// Coordinates in the Wild", NSDI 2007, §5), which separate the coordinate
// that Vivaldi keeps refining from the one applications use and which
// changes only when the node has really moved. Here the separation is an
// exponential average rather than their windowed change detection.
type smoothed struct {
	window int // the average's time constant, in updates
	coord  Coordinate
	count  int // updates folded in since the last reset, up to window
}

func newSmoothed(window int, start Coordinate) smoothed {
	return smoothed{window: window, coord: start.clone()}
}

// add folds in c. The first updates after a reset weigh 1/count, so the
// average starts as the plain mean of what it has seen rather than
// dragging the origin along; from window updates on, each weighs 1/window.
func (s *smoothed) add(c Coordinate) {
	if s.count < s.window {
		s.count++
	}
	w := 1 / float64(s.count)
	for i := range s.coord.Vec {
		s.coord.Vec[i] += w * (c.Vec[i] - s.coord.Vec[i])
	}
	s.coord.Height += w * (c.Height - s.coord.Height)
	s.coord.Adjustment += w * (c.Adjustment - s.coord.Adjustment)
	s.coord.Error += w * (c.Error - s.coord.Error)
}

// reset starts the average again from c.
func (s *smoothed) reset(c Coordinate) {
	s.coord, s.count = c.clone(), 0
}
