package sim

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCrash runs one script against several failure-detection settings:
// nodes 0 and 2 are connected to node 1, node 1 crashes at 1s, node 0 sends
// to it at 2s, and a message sent to it just before the crash is in flight.
func TestCrash(t *testing.T) {
	tests := []struct {
		name      string
		sendFail  time.Duration
		detection time.Duration
		want      []string
	}{
		{
			name: "TCP model: everything at once", sendFail: 0, detection: 0,
			want: []string{
				"1s connlost 0: 1",
				"1s connlost 2: 1",
				"2s sendfailed 0->1 late",
			},
		},
		{
			name: "QUIC model: handshake timeout and keep-alive detection", sendFail: 5 * time.Second, detection: 15 * time.Second,
			want: []string{
				"7s sendfailed 0->1 late",
				"16s connlost 0: 1",
				"16s connlost 2: 1",
			},
		},
		{
			name: "no crash detection: only the failed send tells", sendFail: 3 * time.Second, detection: -1,
			want: []string{
				"5s sendfailed 0->1 late",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, log := newRecorded(t, Config{
				Latency:          Constant(100 * time.Millisecond),
				SendFailureDelay: tt.sendFail,
				CrashDetection:   tt.detection,
			}, 3)
			n.Connect(0, 1)
			n.Connect(2, 1)
			n.Connect(0, 1) // idempotent
			require.Equal(t, []int{0, 2}, n.Connections(1))

			n.After(time.Second-time.Millisecond, func() { n.Send(2, 1, "in-flight", 7) })
			n.After(time.Second, func() {
				n.Crash(1)
				assert.False(t, n.Up(1))
				assert.Empty(t, n.Connections(0), "a crash cuts the connections at once")
				assert.False(t, n.Connected(2, 1))
				n.Send(1, 0, "from the dead", 1)
			})
			n.After(2*time.Second, func() { n.Send(0, 1, "late", 3) })
			n.RunUntilIdle(0)

			require.Equal(t, tt.want, *log, joined(*log))
			s := n.Stats()
			requireBalanced(t, s)
			assert.Equal(t, Counter{Msgs: 1, Bytes: 7}, s.DroppedCrashed)
			assert.Equal(t, Counter{Msgs: 1, Bytes: 3}, s.SendFailed)
			assert.Equal(t, uint64(1), s.SendsWhileDown)
		})
	}
}

// TestCrashVoidsWhatWasAddressedToTheOldIncarnation checks that messages in
// flight to a node and notifications due to it are dropped even if it
// recovers before they arrive, and that a recovered node starts afresh.
func TestCrashVoidsWhatWasAddressedToTheOldIncarnation(t *testing.T) {
	n, log := newRecorded(t, Config{Latency: Constant(time.Second), SendFailureDelay: time.Second, CrashDetection: time.Second}, 3)
	n.Connect(0, 2)
	n.Crash(1)
	n.Send(0, 1, "fails", 1) // SendFailed due to 0 at 1s
	n.Send(2, 0, "lost", 1)  // due at 0 at 1s
	n.Crash(2)               // ConnectionLost due to 0 at 1s
	n.Crash(0)
	n.Recover(0)
	n.Recover(1)
	n.Send(1, 0, "fresh", 1)
	n.RunUntilIdle(0)

	require.Equal(t, []string{"1s deliver 1->0 fresh"}, *log)
	s := n.Stats()
	requireBalanced(t, s)
	assert.Equal(t, uint64(1), s.DroppedCrashed.Msgs)
}

// TestPartition checks which pairs can talk under a partition (the unlisted
// nodes forming a group of their own), that messages in flight when it
// starts are dropped, that connections across it are cut, and that Heal
// restores delivery.
func TestPartition(t *testing.T) {
	const size = 5
	n, log := newRecorded(t, Config{Latency: Constant(10 * time.Millisecond), CrashDetection: time.Second}, size)
	n.Connect(0, 1)
	n.Connect(0, 2)
	n.Connect(3, 4)
	n.Send(0, 2, "in-flight", 1)
	n.Partition([]int{0, 1}, []int{2}) // 3 and 4 form the third group

	canTalk := [size][size]bool{}
	for _, group := range [][]int{{0, 1}, {2}, {3, 4}} {
		for _, a := range group {
			for _, b := range group {
				canTalk[a][b] = true
			}
		}
	}
	for a := range size {
		for b := range size {
			if a != b {
				n.Send(a, b, "p", 1)
			}
		}
	}
	assert.False(t, n.Connected(0, 2), "the cross connection is cut")
	assert.True(t, n.Connected(0, 1))
	assert.True(t, n.Connected(3, 4))
	n.Connect(1, 3)
	assert.False(t, n.Connected(1, 3), "no connection can be opened across a partition")
	n.RunUntilIdle(0)

	var want []string
	across := 0
	for a := range size {
		for b := range size {
			switch {
			case a == b:
			case canTalk[a][b]:
				want = append(want, fmt.Sprintf("10ms deliver %d->%d p", a, b))
			default:
				across++
			}
		}
	}
	want = append(want, "1s connlost 0: 2", "1s connlost 2: 0")
	require.ElementsMatch(t, want, *log, joined(*log))
	s := n.Stats()
	requireBalanced(t, s)
	assert.Equal(t, uint64(across+1), s.DroppedPartition.Msgs, "the sends across and the one in flight")

	*log = nil
	n.Heal()
	n.Send(0, 4, "healed", 1)
	n.Connect(1, 3)
	assert.True(t, n.Connected(1, 3))
	n.RunUntilIdle(0)
	require.Equal(t, []string{"1.01s deliver 0->4 healed"}, *log)
}

// TestPartitionWithoutDetectionKeepsConnections checks that with crash
// detection off, a partition is silent and its connections survive it.
func TestPartitionWithoutDetectionKeepsConnections(t *testing.T) {
	n, log := newRecorded(t, Config{CrashDetection: -1}, 2)
	n.Connect(0, 1)
	n.Partition([]int{0})
	n.Send(0, 1, "x", 1)
	n.RunUntilIdle(0)
	assert.Empty(t, *log)
	assert.True(t, n.Connected(0, 1))
	n.Heal()
	n.Send(0, 1, "y", 1)
	n.RunUntilIdle(0)
	assert.Equal(t, []string{"0s deliver 0->1 y"}, *log)
}

// TestConnectionLostSkippedAfterReconnect checks that a loss notification
// due after the two ends connected again is not delivered.
func TestConnectionLostSkippedAfterReconnect(t *testing.T) {
	n, log := newRecorded(t, Config{CrashDetection: 10 * time.Second}, 2)
	n.Connect(0, 1)
	n.Crash(1)
	n.After(time.Second, func() {
		n.Recover(1)
		n.Connect(0, 1)
	})
	n.RunUntilIdle(0)
	assert.Empty(t, *log)
	assert.True(t, n.Connected(0, 1))
}
