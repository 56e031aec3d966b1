package overlay

import "slices"

// outMsg is a message encoded and waiting in a peer's send queue.
type outMsg struct {
	envelope []byte
	kind     wireKind
	class    Class
}

// sendQueue is one peer's bounded queue of outgoing messages. pop returns
// the highest priority first and, within a priority, the oldest first;
// push makes room by dropping the lowest priority first and, within it,
// the oldest first. It is not safe for concurrent use.
type sendQueue struct {
	levels []queueLevel // ascending by priority, none empty
	count  int
	bytes  int
}

type queueLevel struct {
	priority Priority
	msgs     []outMsg // oldest first
}

// push adds m, first dropping what must go so that the queue holds at most
// maxMsgs messages and maxBytes envelope bytes. It returns the dropped
// messages, which may include m itself when everything queued outranks it
// or when m alone exceeds maxBytes.
func (q *sendQueue) push(m outMsg, maxMsgs, maxBytes int) (dropped []outMsg) {
	size := len(m.envelope)
	if size > maxBytes {
		return []outMsg{m}
	}
	for q.count+1 > maxMsgs || q.bytes+size > maxBytes {
		if m.class.Priority < q.levels[0].priority {
			return append(dropped, m)
		}
		dropped = append(dropped, q.popLevel(0))
	}
	i, found := slices.BinarySearchFunc(q.levels, m.class.Priority, func(l queueLevel, p Priority) int {
		return int(l.priority) - int(p)
	})
	if !found {
		q.levels = slices.Insert(q.levels, i, queueLevel{priority: m.class.Priority})
	}
	q.levels[i].msgs = append(q.levels[i].msgs, m)
	q.count++
	q.bytes += size
	return dropped
}

// pop removes and returns the oldest message of the highest priority.
func (q *sendQueue) pop() (outMsg, bool) {
	if q.count == 0 {
		return outMsg{}, false
	}
	return q.popLevel(len(q.levels) - 1), true
}

// popLevel removes and returns the oldest message of levels[i].
func (q *sendQueue) popLevel(i int) outMsg {
	l := &q.levels[i]
	m := l.msgs[0]
	l.msgs[0] = outMsg{}
	l.msgs = l.msgs[1:]
	if len(l.msgs) == 0 {
		q.levels = slices.Delete(q.levels, i, i+1)
	}
	q.count--
	q.bytes -= len(m.envelope)
	return m
}

// clear removes and returns every queued message.
func (q *sendQueue) clear() []outMsg {
	var all []outMsg
	for _, l := range q.levels {
		all = append(all, l.msgs...)
	}
	*q = sendQueue{}
	return all
}

// len returns the number of queued messages.
func (q *sendQueue) len() int { return q.count }
