package vivaldi

// adjustmentWindow holds the most recent residuals (measured RTT − raw
// distance, in seconds) of a node's updates, oldest overwritten first.
// Their mean, halved because the peer at the other end of every distance
// adds its own adjustment, is the node's adjustment term (Lee et al., ToN
// 2010, as in serf).
type adjustmentWindow struct {
	residuals []float64
	next      int
}

func newAdjustmentWindow(size int) adjustmentWindow {
	return adjustmentWindow{residuals: make([]float64, 0, size)}
}

// add records a residual and returns the new adjustment: half the mean of
// the residuals held, which are fewer than the window's size until it has
// filled.
func (w *adjustmentWindow) add(residual float64) float64 {
	if len(w.residuals) < cap(w.residuals) {
		w.residuals = append(w.residuals, residual)
	} else {
		w.residuals[w.next] = residual
		w.next = (w.next + 1) % len(w.residuals)
	}
	sum := 0.0
	for _, r := range w.residuals {
		sum += r
	}
	return sum / float64(2*len(w.residuals))
}

// clear empties the window.
func (w *adjustmentWindow) clear() {
	w.residuals = w.residuals[:0]
	w.next = 0
}
