package main

import (
	"fmt"
	"io"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
)

// detectionTrace is the timeline of each crashed node in the detection
// phase, from the crash: when some survivor first held it suspect (or
// dead), when one first held it dead, and when half and all of the
// survivors did. The gaps are the parts of the detection time: the first
// probe and its timeouts, the suspicion window, and the spread of the
// verdict.
type detectionTrace struct {
	crashed []int
	// survivors is the number of live nodes.
	survivors int
	// suspected, dead, half and all are the times of each crashed node,
	// zero while not reached.
	suspected, dead, half, all []time.Duration
}

func newDetectionTrace(crashed []int, survivors int) *detectionTrace {
	k := len(crashed)
	return &detectionTrace{crashed: crashed, survivors: survivors,
		suspected: make([]time.Duration, k), dead: make([]time.Duration, k),
		half: make([]time.Duration, k), all: make([]time.Duration, k)}
}

// observe records the survivors' view of every crashed node at since after
// the crash.
func (t *detectionTrace) observe(c *coreCluster, since time.Duration) {
	for k, j := range t.crashed {
		if t.all[k] != 0 {
			continue
		}
		suspect, dead := 0, 0
		for i, core := range c.cores {
			if !c.up[i] {
				continue
			}
			if r, ok := core.Member(corePeer(j).ID); ok {
				switch r.Status {
				case catalog.Suspect:
					suspect++
				case catalog.Dead:
					dead++
				}
			}
		}
		mark := func(at *time.Duration, reached bool) {
			if reached && *at == 0 {
				*at = since
			}
		}
		mark(&t.suspected[k], suspect+dead > 0)
		mark(&t.dead[k], dead > 0)
		mark(&t.half[k], 2*dead >= t.survivors)
		mark(&t.all[k], dead == t.survivors)
	}
}

func (t *detectionTrace) print(w io.Writer) {
	fmt.Fprintln(w, "crashed node: first suspected, first dead, dead at half, dead at all (s after the crash)")
	for k, j := range t.crashed {
		fmt.Fprintf(w, "  %s: %.2f %.2f %.2f %.2f\n", corePeer(j).ID,
			t.suspected[k].Seconds(), t.dead[k].Seconds(), t.half[k].Seconds(), t.all[k].Seconds())
	}
}
