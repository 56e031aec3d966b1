package plumtree

// fifo is a first-in, first-out queue on a slice. It reuses the slice's
// front once most of it has been consumed, so a queue that is pushed and
// popped forever stays proportional to its length.
type fifo[T any] struct {
	items []T
	head  int
}

// compactAfter is how many consumed slots a fifo tolerates before it
// considers moving its items to the front.
const compactAfter = 64

func (q *fifo[T]) len() int { return len(q.items) - q.head }

func (q *fifo[T]) push(v T) { q.items = append(q.items, v) }

// front returns the oldest item. The queue must not be empty.
func (q *fifo[T]) front() T { return q.items[q.head] }

// newest returns the items from the newest back, while keep holds, in
// newest-first order.
func (q *fifo[T]) newest(keep func(T) bool) []T {
	var out []T
	for i := len(q.items) - 1; i >= q.head && keep(q.items[i]); i-- {
		out = append(out, q.items[i])
	}
	return out
}

// pop removes and returns the oldest item. The queue must not be empty.
func (q *fifo[T]) pop() T {
	v := q.items[q.head]
	var zero T
	q.items[q.head] = zero
	q.head++
	switch {
	case q.head == len(q.items):
		q.items, q.head = q.items[:0], 0
	case q.head >= compactAfter && 2*q.head >= len(q.items):
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	return v
}
