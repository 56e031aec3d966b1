package clock

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var start = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

var _ Clock = (*Fake)(nil)

func TestFakeFiresTimersInOrderAtTheirDeadlines(t *testing.T) {
	f := NewFake(start)
	var got []string
	var at []time.Time
	record := func(name string) func() {
		return func() { got, at = append(got, name), append(at, f.Now()) }
	}
	f.AfterFunc(3*time.Second, record("c"))
	f.AfterFunc(time.Second, record("a"))
	f.AfterFunc(time.Second, record("b")) // same deadline: in order of creation
	stopped := f.AfterFunc(2*time.Second, record("never"))
	assert.True(t, stopped.Stop())
	assert.False(t, stopped.Stop(), "a second Stop stops nothing")

	next, ok := f.Next()
	require.True(t, ok)
	assert.Equal(t, start.Add(time.Second), next)

	f.Advance(2 * time.Second)
	assert.Equal(t, []string{"a", "b"}, got)
	assert.Equal(t, start.Add(2*time.Second), f.Now())
	f.Advance(time.Hour)
	assert.Equal(t, []string{"a", "b", "c"}, got)
	assert.Equal(t, []time.Time{start.Add(time.Second), start.Add(time.Second), start.Add(3 * time.Second)}, at,
		"each fires with the clock at its deadline")
	assert.Zero(t, f.Fired(), "functions are not counted")
	_, ok = f.Next()
	assert.False(t, ok)
}

func TestFakeTimerHoldsOneValue(t *testing.T) {
	f := NewFake(start)
	tm := f.NewTimer(time.Second)
	f.Advance(time.Minute)
	assert.Equal(t, uint64(1), f.Fired())
	assert.Equal(t, start.Add(time.Second), <-tm.C())
	assert.False(t, tm.Stop(), "it fired")
	select {
	case v := <-tm.C():
		t.Fatalf("a timer fires once, fired again at %v", v)
	default:
	}
}

func TestFakeTickerDeliversEveryTickToItsReader(t *testing.T) {
	f := NewFake(start)
	tk := f.NewTicker(100 * time.Millisecond)
	var ticks []time.Time
	var wg sync.WaitGroup
	wg.Add(1)
	done := make(chan struct{})
	go func() {
		defer wg.Done()
		for {
			select {
			case v := <-tk.C():
				ticks = append(ticks, v)
			case <-done:
				return
			}
		}
	}()
	f.Advance(time.Second)
	close(done)
	wg.Wait()
	require.Len(t, ticks, 10, "Advance waited for every tick to be read")
	assert.Equal(t, start.Add(100*time.Millisecond), ticks[0])
	assert.Equal(t, start.Add(time.Second), ticks[9])

	// Nobody reads any more: a stopped ticker does not hold Advance up.
	tk.Stop()
	f.Advance(time.Second)
	assert.Equal(t, start.Add(2*time.Second), f.Now())
}

func TestFakeStopReleasesAWaitingTick(t *testing.T) {
	f := NewFake(start)
	tk := f.NewTicker(time.Second)
	advanced := make(chan struct{})
	go func() {
		f.Advance(time.Second) // waits: nobody reads
		close(advanced)
	}()
	// Wait until the tick is being delivered: the clock reads its deadline.
	for f.Now().Before(start.Add(time.Second)) {
		select {
		case <-advanced:
			t.Fatal("Advance returned before the tick was read or stopped")
		default:
			runtime.Gosched()
		}
	}
	tk.Stop()
	<-advanced
}

func TestRealClock(t *testing.T) {
	var c Clock = Real{}
	before := time.Now()
	assert.False(t, c.Now().Before(before))
	tm := c.NewTimer(time.Millisecond)
	<-tm.C()
	tk := c.NewTicker(time.Millisecond)
	<-tk.C()
	tk.Stop()
	fired := make(chan struct{})
	c.AfterFunc(time.Millisecond, func() { close(fired) })
	<-fired
}

func TestFakeTimerOfNoDurationFiresAtOnce(t *testing.T) {
	start := time.Unix(100, 0)
	f := NewFake(start)
	tm := f.NewTimer(0)
	select {
	case at := <-tm.C():
		assert.Equal(t, start, at)
	default:
		t.Fatal("a timer of zero duration fires without Advance, as time.NewTimer(0) does")
	}
	assert.False(t, tm.Stop(), "it has fired")
	assert.Equal(t, 0, f.Pending())
}

func TestFakePending(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	assert.Equal(t, 0, f.Pending())
	tm := f.NewTimer(time.Second)
	tk := f.NewTicker(time.Second)
	f.AfterFunc(time.Second, func() {})
	assert.Equal(t, 3, f.Pending())
	tm.Stop()
	tk.Stop()
	assert.Equal(t, 1, f.Pending())
	f.Advance(time.Second)
	assert.Equal(t, 0, f.Pending(), "the function ran")
}
