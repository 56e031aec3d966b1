package overlay

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTokenBucketAdmitsASecondsWorthThenTheRate(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newTokenBucket(10, t0)
	for i := range 10 {
		assert.True(t, b.take(t0), "burst token %d", i)
	}
	assert.False(t, b.take(t0), "the burst is spent")
	assert.True(t, b.belowHalf(t0))
	assert.False(t, b.take(t0.Add(99*time.Millisecond)), "a token takes 100 ms to come back")
	assert.True(t, b.take(t0.Add(100*time.Millisecond)))
	assert.False(t, b.take(t0.Add(100*time.Millisecond)))
	// A long pause refills the bucket to its capacity, no more.
	later := t0.Add(time.Hour)
	assert.False(t, b.belowHalf(later))
	n := 0
	for b.take(later) {
		n++
	}
	assert.Equal(t, 10, n)
}

func TestTokenBucketIgnoresTimeGoingBack(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newTokenBucket(1, t0)
	assert.True(t, b.take(t0))
	assert.False(t, b.take(t0.Add(-time.Hour)))
	assert.True(t, b.take(t0.Add(time.Second)))
}
