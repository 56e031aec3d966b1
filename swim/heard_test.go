package swim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestProbeOutlivedByHeardTarget checks that a probe without an ack is no
// failure when the target was heard from after the ping.
func TestProbeOutlivedByHeardTarget(t *testing.T) {
	n := newTestNode(t, peers(1))
	startProbe(t, n, epoch)
	n.Heard(epoch.Add(time.Second), peer(1).ID)
	n.Tick(epoch.Add(verdictAfter))
	rd := n.Ready()
	assert.Empty(t, broadcasts(rd), "no suspicion")
	sus, _ := ofType[Suspect](rd)
	assert.Empty(t, sus)
	assert.Zero(t, n.LocalHealth(), "no failure counted against this node")
	assert.Equal(t, uint64(1), n.Stats().ProbesOutlived)
}
