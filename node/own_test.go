package node

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/overlayd/overlayd/vivaldi"
)

func TestCoordinatePolicy(t *testing.T) {
	p := coordinatePolicy{threshold: 10 * time.Millisecond, members: 1000, budget: 0.2, interval: time.Minute}
	ms := func(v float64) float64 { return v / 1000 }
	sent := vivaldi.Coordinate{Vec: []float64{ms(50), 0}, Height: ms(40), Adjustment: ms(-5), Error: 0.2}
	at := func(x float64, err float64) vivaldi.Coordinate {
		c := sent
		c.Vec = []float64{ms(50 + x), 0}
		c.Error = err
		return c
	}
	tests := []struct {
		name     string
		coord    vivaldi.Coordinate
		wantWait time.Duration
		wantSend bool
	}{
		{"standing still, whatever the height", at(0, 0.2), 0, false},
		{"a move within the threshold", at(9, 0.2), 0, false},
		{"a move of twice the threshold waits half the budget's wait", at(20, 0.2), 2500 * time.Second, true},
		{"a move just past the threshold waits about the budget's wait", at(10.001, 0.2), time.Duration(5000 * 10 / 10.001 * float64(time.Second)), true},
		{"a move of four times the threshold waits half, the most a share grows", at(40, 0.2), 2500 * time.Second, true},
		{"a move of 1.5 times the threshold waits two thirds", at(15, 0.2), 10000 * time.Second / 3, true},
		{"a halved error of a settled coordinate is routine", at(20, 0.09), 2500 * time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wait, send := p.wait(tc.coord, sent)
			assert.Equal(t, tc.wantSend, send)
			assert.InDelta(t, float64(tc.wantWait), float64(wait), float64(time.Millisecond))
		})
	}

	unsettled := sent
	unsettled.Error = 0.8
	wait, send := p.wait(at(20, 0.3), unsettled)
	assert.True(t, send)
	assert.Equal(t, time.Minute, wait, "a settling coordinate replacing an unsettled one goes after the interval")
	wait, _ = p.wait(at(20, 0.5), unsettled)
	assert.Equal(t, 2500*time.Second, wait, "one whose error has not halved waits its share")
}
