package node

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
)

// exchange runs two joined Cores for d in 100 ms ticks, every message
// taking hop over the wire, and returns the events each produced.
func exchange(t *testing.T, tc *testCluster, d, hop time.Duration) [2][]Event {
	var events [2][]Event
	for end := tc.now.Add(d); tc.now.Before(end); tc.now = tc.now.Add(100 * time.Millisecond) {
		for i, c := range tc.cores {
			c.Tick(tc.now)
			rd := c.Ready()
			events[i] = append(events[i], rd.Events...)
			tc.cores[i].out.Messages = rd.Messages // put them back for the loop below
		}
		at := tc.now
		for busy := true; busy; {
			busy = false
			at = at.Add(hop)
			var batch [2]Ready
			for i, c := range tc.cores {
				batch[i] = c.Ready()
				events[i] = append(events[i], batch[i].Events...)
			}
			for i, rd := range batch {
				to := tc.cores[1-i]
				for _, o := range rd.Messages {
					b, err := tc.cores[i].Codec().Marshal(o.Msg)
					require.NoError(t, err)
					msg, err := to.Codec().Unmarshal(b)
					require.NoError(t, err)
					to.Step(at, tc.cores[i].Self(), msg)
					busy = true
				}
			}
		}
	}
	return events
}

func TestCoreReportsProbeRTTsAndBroadcastDelays(t *testing.T) {
	tc := newTestCluster(t, 2)
	tc.cores[1].Join(tc.now, tc.cores[0].Self())
	tc.flush(1)
	require.True(t, tc.waitFor(30*time.Second, func() bool { return tc.everyLiveNodeSees(tc.all(), catalog.Alive) }))
	require.NoError(t, tc.cores[0].RegisterService(tc.now, catalog.Service{ID: "web-1", Name: "web", Health: catalog.Passing}))

	events := exchange(t, tc, 5*time.Second, 5*time.Millisecond)
	var rtts, eager int
	for i := range events {
		for _, e := range events[i] {
			switch e := e.(type) {
			case ProbeRTT:
				rtts++
				assert.Equal(t, tc.cores[1-i].Self(), e.Peer)
				assert.Equal(t, 10*time.Millisecond, e.RTT, "ping and ack take 5 ms each")
			case BroadcastDelivered:
				// Each node's own broadcasts are delivered to it at once,
				// with no hop and no report. Broadcasts announced lazily to
				// a new neighbour arrive later than one hop.
				assert.Equal(t, 1, e.Hops, "two nodes are one hop apart")
				assert.GreaterOrEqual(t, e.Delay, 5*time.Millisecond, "the origin time travelled with the broadcast")
				if e.Delay == 5*time.Millisecond {
					eager++
				}
			}
		}
	}
	assert.GreaterOrEqual(t, rtts, 6, "each node probes the other about once a second")
	assert.GreaterOrEqual(t, eager, 1, "node 1 received node 0's new record one hop after it was sent")
}
