package overlay

import (
	"sync"
	"time"
)

// tokenBucket admits events at a sustained rate, with bursts of up to one
// second's worth. It starts full. The time is an argument, so that tests
// need no clock; it is safe for concurrent use.
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64 // tokens added per second, and the bucket's capacity
	tokens float64
	last   time.Time
}

func newTokenBucket(perSecond int, now time.Time) *tokenBucket {
	return &tokenBucket{rate: float64(perSecond), tokens: float64(perSecond), last: now}
}

// refillLocked adds the tokens earned since the last call.
func (b *tokenBucket) refillLocked(now time.Time) {
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(b.rate, b.tokens+elapsed.Seconds()*b.rate)
		b.last = now
	}
}

// take spends a token and reports whether there was one.
func (b *tokenBucket) take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refillLocked(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// belowHalf reports whether less than half of the bucket is left.
func (b *tokenBucket) belowHalf(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refillLocked(now)
	return b.tokens < b.rate/2
}
