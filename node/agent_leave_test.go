package node

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestLeavingLingersWithinTheCallersDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	until := t0.Add(DefaultLeaveLinger)
	l := newLeaving(ctx, until)
	defer l.cancel()
	deadline, _ := ctx.Deadline()
	lingerEnd, ok := l.linger.Deadline()
	assert.True(t, ok)
	assert.WithinDuration(t, deadline.Add(-200*time.Millisecond), lingerEnd, 50*time.Millisecond,
		"half of a short deadline is kept for closing")

	assert.False(t, l.over(t0, 3), "nothing sent, peers there, time left")
	assert.True(t, l.over(t0, 0), "nobody to hear the departure")
	assert.True(t, l.over(until, 3), "LeaveLinger passed")
	<-l.lingerDone()
	assert.True(t, l.over(t0, 3), "the caller's deadline is near")
	assert.NoError(t, ctx.Err(), "and not there yet: time is left to close")

	l = newLeaving(context.Background(), until)
	l.sent = true
	assert.True(t, l.over(t0, 3), "the departure has left")
	var none *leaving
	assert.Nil(t, none.lingerDone(), "no Leave, nothing to wake for")
}
