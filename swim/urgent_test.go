package swim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/overlayd/overlayd/overlay"
)

// TestSuspectedActivePeerProbedUrgently checks that a suspicion raised by
// another node makes this node probe the suspect at its next tick, ahead of
// the protocol period, if the suspect is one of its active peers.
func TestSuspectedActivePeerProbedUrgently(t *testing.T) {
	n := newTestNode(t, peers(1, 2, 3))
	n.SetClusterSize(100)
	n.nextProbe = epoch.Add(time.Hour)
	n.Observe(epoch, Update{Member: peer(2), State: StateSuspect, From: "x"})
	n.Observe(epoch, Update{Member: peer(7), State: StateSuspect, From: "x"})
	n.Tick(epoch.Add(time.Millisecond))
	pings, to := ofType[Ping](n.Ready())
	assert.Equal(t, []overlay.Peer{peer(2)}, to, "the active suspect only")
	assert.Len(t, pings, 1)
	assert.Equal(t, uint64(1), n.Stats().UrgentProbes)

	// A departed neighbour owed its last probe has it at once.
	n.probe = nil
	n.NeighborDown(epoch, peer(1).ID)
	n.Observe(epoch, Update{Member: peer(1), State: StateSuspect, From: "x"})
	n.Tick(epoch.Add(2 * time.Millisecond))
	_, to = ofType[Ping](n.Ready())
	assert.Equal(t, []overlay.Peer{peer(1)}, to)
	assert.Empty(t, n.farewell, "that was its last probe")

	// Refuted before its turn came: no urgent probe.
	n.Observe(epoch, Update{Member: peer(3), State: StateSuspect, From: "x"})
	n.Observe(epoch, Update{Member: peer(3), Incarnation: 1, State: StateAlive, From: peer(3).ID})
	n.probe = nil
	n.Tick(epoch.Add(3 * time.Millisecond))
	pings, _ = ofType[Ping](n.Ready())
	assert.Empty(t, pings)
}
