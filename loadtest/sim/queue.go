package sim

// eventKind says what an event does when it falls due.
type eventKind uint8

const (
	evDeliver        eventKind = iota + 1 // msg from -> to arrives
	evSendFailed                          // node from hears that its send to `to` failed
	evConnectionLost                      // node from hears that its connection to `to` broke
	evCallback                            // run fn
	evNodeCallback                        // run fn if node `to` is still the same incarnation
)

// event is the payload of a scheduled event. Its meaning depends on kind; inc
// is the incarnation of the node the event is addressed to at the time it was
// scheduled, so that a crash invalidates it.
type event struct {
	kind eventKind
	from int32
	to   int32
	inc  uint32
	size int64
	msg  any
	fn   func()
}

// Heap entries pack the scheduling sequence number and the payload slot into
// one word: seq in the high seqBits, slot in the low slotBits. Comparing the
// word compares seq, as slot is below it. This keeps an entry at 16 bytes, so
// a node's two children share one cache line.
const (
	slotBits = 27 // at most 134M events pending at once
	seqBits  = 64 - slotBits
	slotMask = 1<<slotBits - 1
)

// entry is one heap element: the ordering key and the slot holding the
// payload. Keeping the payload out of the heap keeps sifting cheap.
type entry struct {
	at      int64  // virtual nanoseconds since the epoch
	seqSlot uint64 // seq<<slotBits | slot; seq breaks ties so that equal times run FIFO
}

func (a entry) before(b entry) bool {
	return a.at < b.at || (a.at == b.at && a.seqSlot < b.seqSlot)
}

// queue is a binary min-heap of entries ordered by (at, seq), with payloads
// kept in a slab of reusable slots so that scheduling allocates nothing once
// the slab has grown to the peak number of pending events. The heap is
// 1-based (heap[0] is unused): the children of i are 2i and 2i+1.
type queue struct {
	heap  []entry
	slots []event
	free  []uint32
	seq   uint64
}

func (q *queue) len() int { return max(len(q.heap)-1, 0) }

// push schedules ev at time at.
func (q *queue) push(at int64, ev event) {
	var slot uint32
	if n := len(q.free); n > 0 {
		slot = q.free[n-1]
		q.free = q.free[:n-1]
		q.slots[slot] = ev
	} else {
		if len(q.slots) > slotMask {
			panic("sim: more than 2^27 events pending")
		}
		slot = uint32(len(q.slots))
		q.slots = append(q.slots, ev)
	}
	if q.seq >= 1<<seqBits {
		panic("sim: more than 2^37 events scheduled")
	}
	e := entry{at: at, seqSlot: q.seq<<slotBits | uint64(slot)}
	q.seq++

	h := q.heap
	if len(h) == 0 {
		h = append(h, entry{})
	}
	// Sift up, moving parents down into the hole instead of swapping.
	h = append(h, e)
	i := len(h) - 1
	for i > 1 {
		p := i / 2
		if !e.before(h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
	q.heap = h
}

// peek returns the time of the earliest event; the queue must not be empty.
func (q *queue) peek() int64 { return q.heap[1].at }

// pop removes the earliest event and returns its time and payload; the queue
// must not be empty.
func (q *queue) pop() (int64, event) {
	h := q.heap
	top := h[1]
	last := h[len(h)-1]
	h = h[:len(h)-1]
	if n := len(h); n > 1 {
		// Sift the former last element down from the root.
		i := 1
		for {
			c := 2 * i
			if c >= n {
				break
			}
			if r := c + 1; r < n && h[r].before(h[c]) {
				c = r
			}
			if !h[c].before(last) {
				break
			}
			h[i] = h[c]
			i = c
		}
		h[i] = last
	}
	q.heap = h

	slot := uint32(top.seqSlot & slotMask)
	ev := q.slots[slot]
	q.slots[slot] = event{} // release msg and fn to the garbage collector
	q.free = append(q.free, slot)
	return top.at, ev
}
