package overlay

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func queued(prio Priority, id byte, size int) outMsg {
	env := make([]byte, size)
	env[0] = id
	return outMsg{envelope: env, class: Class{Priority: prio}}
}

// ids returns the first byte of each message's envelope, its test id.
func ids(msgs []outMsg) []byte {
	var out []byte
	for _, m := range msgs {
		out = append(out, m.envelope[0])
	}
	return out
}

func drain(q *sendQueue) []outMsg {
	var out []outMsg
	for {
		m, ok := q.pop()
		if !ok {
			return out
		}
		out = append(out, m)
	}
}

func TestSendQueuePopsHighestPriorityOldestFirst(t *testing.T) {
	var q sendQueue
	for i, p := range []Priority{PriorityLazy, PriorityPayload, PriorityMembership, PriorityPayload, PriorityLazy, PriorityMembership} {
		assert.Empty(t, q.push(queued(p, byte(i), 1), 100, 100))
	}
	assert.Equal(t, []byte{2, 5, 1, 3, 0, 4}, ids(drain(&q)))
	assert.Zero(t, q.len())
	assert.Zero(t, q.bytes)
}

func TestSendQueueDropsLowestPriorityOldestFirst(t *testing.T) {
	tests := []struct {
		name        string
		push        []outMsg
		maxMsgs     int
		maxBytes    int
		wantDropped []byte
		wantLeft    []byte
	}{
		{
			name:        "full by count: the oldest lazy message goes first",
			push:        []outMsg{queued(PriorityLazy, 0, 1), queued(PriorityPayload, 1, 1), queued(PriorityLazy, 2, 1), queued(PriorityMembership, 3, 1)},
			maxMsgs:     3,
			maxBytes:    100,
			wantDropped: []byte{0},
			wantLeft:    []byte{3, 1, 2},
		},
		{
			name:        "a newcomer of equal priority displaces the oldest",
			push:        []outMsg{queued(PriorityPayload, 0, 1), queued(PriorityPayload, 1, 1), queued(PriorityPayload, 2, 1)},
			maxMsgs:     2,
			maxBytes:    100,
			wantDropped: []byte{0},
			wantLeft:    []byte{1, 2},
		},
		{
			name:        "a newcomer outranked by everything queued is dropped itself",
			push:        []outMsg{queued(PriorityMembership, 0, 1), queued(PriorityPayload, 1, 1), queued(PriorityLazy, 2, 1)},
			maxMsgs:     2,
			maxBytes:    100,
			wantDropped: []byte{2},
			wantLeft:    []byte{0, 1},
		},
		{
			name:        "full by bytes: as many go as the newcomer needs",
			push:        []outMsg{queued(PriorityLazy, 0, 4), queued(PriorityLazy, 1, 4), queued(PriorityPayload, 2, 4), queued(PriorityMembership, 3, 12)},
			maxMsgs:     100,
			maxBytes:    16,
			wantDropped: []byte{0, 1},
			wantLeft:    []byte{3, 2},
		},
		{
			name:        "a message larger than the queue is dropped alone",
			push:        []outMsg{queued(PriorityLazy, 0, 4), queued(PriorityMembership, 1, 17)},
			maxMsgs:     100,
			maxBytes:    16,
			wantDropped: []byte{1},
			wantLeft:    []byte{0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q sendQueue
			var dropped []outMsg
			for _, m := range tt.push {
				dropped = append(dropped, q.push(m, tt.maxMsgs, tt.maxBytes)...)
			}
			assert.Equal(t, tt.wantDropped, ids(dropped))
			assert.Equal(t, tt.wantLeft, ids(drain(&q)))
		})
	}
}

func TestSendQueueClear(t *testing.T) {
	var q sendQueue
	q.push(queued(PriorityLazy, 0, 3), 10, 10)
	q.push(queued(PriorityMembership, 1, 3), 10, 10)
	assert.ElementsMatch(t, []byte{0, 1}, ids(q.clear()))
	assert.Zero(t, q.len())
	_, ok := q.pop()
	assert.False(t, ok)
}
