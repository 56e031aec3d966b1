package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Fake is a Clock that moves only when Advance or AdvanceTo is called.
// Timers fire in order of their deadlines (ties in order of creation), and
// the clock reads each deadline while its timers fire.
//
// Unlike a real ticker, which drops ticks its reader is too slow for, a
// Fake ticker delivers every tick and waits for its reader to take it (or
// for the ticker to be stopped): when Advance returns, every reader of a
// ticker that fired has received its ticks. A reader that stops reading
// must stop its ticker, or Advance waits for it for ever.
//
// A Fake is safe for concurrent use.
type Fake struct {
	mu    sync.Mutex
	now   time.Time
	queue timerQueue
	seq   uint64
	fired uint64
}

// NewFake returns a Fake reading start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

// Now returns the clock's time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer returns a timer that fires when the clock reaches Now()+d, or
// at once, as time.NewTimer's would, when d is not positive.
func (f *Fake) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.clock, t.stopped, t.index = f, make(chan struct{}), -1
		t.ch <- f.Now()
		return t
	}
	return f.schedule(t, d)
}

// NewTicker returns a ticker that fires every d from Now().
func (f *Fake) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive interval for NewTicker")
	}
	return fakeTicker{f.schedule(&fakeTimer{ch: make(chan time.Time), period: d}, d)}
}

// AfterFunc calls fn, in the goroutine that advances the clock, when the
// clock reaches Now()+d.
func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer {
	return f.schedule(&fakeTimer{fn: fn}, d)
}

func (f *Fake) schedule(t *fakeTimer, d time.Duration) *fakeTimer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t.clock, t.stopped = f, make(chan struct{})
	t.when = f.now.Add(max(d, 0))
	f.push(t)
	return t
}

// push queues t; f.mu is held.
func (f *Fake) push(t *fakeTimer) {
	f.seq++
	t.seq = f.seq
	heap.Push(&f.queue, t)
}

// Advance moves the clock forward by d, firing every timer due on the way.
func (f *Fake) Advance(d time.Duration) { f.AdvanceTo(f.Now().Add(d)) }

// AdvanceTo moves the clock to t, firing every timer due by then in order;
// a t in the past fires what is due and leaves the clock where it is.
func (f *Fake) AdvanceTo(t time.Time) {
	for {
		f.mu.Lock()
		if len(f.queue) == 0 || f.queue[0].when.After(t) {
			if t.After(f.now) {
				f.now = t
			}
			f.mu.Unlock()
			return
		}
		tm := heap.Pop(&f.queue).(*fakeTimer)
		if tm.when.After(f.now) {
			f.now = tm.when
		}
		at := f.now
		if tm.period > 0 {
			tm.when = tm.when.Add(tm.period)
			f.push(tm)
		}
		if tm.fn == nil {
			f.fired++
		}
		f.mu.Unlock()
		tm.fire(at)
	}
}

// Next returns the deadline of the earliest pending timer, and false if
// none is pending.
func (f *Fake) Next() (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queue) == 0 {
		return time.Time{}, false
	}
	return f.queue[0].when, true
}

// Pending returns the number of timers, tickers and functions waiting to
// fire: a test can wait for a goroutine to have set its timer before it
// advances the clock.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.queue)
}

// Fired counts the ticks and timer firings delivered on channels so far.
// Functions given to AfterFunc are not counted: they have run by the time
// Advance returns, while a channel's reader may still be at work.
func (f *Fake) Fired() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fired
}

// fakeTimer is a Fake's timer, ticker or function.
type fakeTimer struct {
	clock  *Fake
	when   time.Time
	seq    uint64
	index  int // in the queue; -1 when not queued
	period time.Duration
	ch     chan time.Time
	fn     func()
	// stopped is closed by Stop, to release a tick waiting for its reader.
	stopped  chan struct{}
	stopOnce sync.Once
}

func (t *fakeTimer) fire(at time.Time) {
	switch {
	case t.fn != nil:
		t.fn()
	case t.period > 0:
		select {
		case t.ch <- at:
		case <-t.stopped:
		}
	default:
		select {
		case t.ch <- at:
		default: // a timer's channel holds one value, as time.Timer's does
		}
	}
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	f := t.clock
	f.mu.Lock()
	queued := t.index >= 0
	if queued {
		heap.Remove(&f.queue, t.index)
	}
	f.mu.Unlock()
	t.stopOnce.Do(func() { close(t.stopped) })
	return queued
}

// fakeTicker is a ticker's face of a fakeTimer.
type fakeTicker struct{ t *fakeTimer }

func (t fakeTicker) C() <-chan time.Time { return t.t.ch }
func (t fakeTicker) Stop()               { t.t.Stop() }

// timerQueue is a min-heap of timers by deadline, then creation.
type timerQueue []*fakeTimer

func (q timerQueue) Len() int { return len(q) }
func (q timerQueue) Less(i, j int) bool {
	if !q[i].when.Equal(q[j].when) {
		return q[i].when.Before(q[j].when)
	}
	return q[i].seq < q[j].seq
}
func (q timerQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *timerQueue) Push(x any) {
	t := x.(*fakeTimer)
	t.index = len(*q)
	*q = append(*q, t)
}
func (q *timerQueue) Pop() any {
	old := *q
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*q = old[:len(old)-1]
	return t
}
