package overlay

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestQUICBothEndsClosingAtOnceFlushAndStop(t *testing.T) {
	n := newTestNet(t)
	a, b := n.node("alice"), n.node("bob")
	a.Keep(b.Self())
	b.Keep(a.Self())
	a.Send(b.Self(), quicSeq{Seq: 1})
	b.Send(a.Self(), quicSeq{Seq: 1})
	eventually(t, func() bool { return len(b.receivedFrom("alice")) == 1 && len(a.receivedFrom("bob")) == 1 }, "connected")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var errA, errB error
	start := time.Now()
	wg.Go(func() { a.Send(b.Self(), quicSeq{Seq: 2}); errA = a.close(t, ctx) })
	wg.Go(func() { b.Send(a.Self(), quicSeq{Seq: 2}); errB = b.close(t, ctx) })
	wg.Wait()
	assert.NoError(t, errA)
	assert.NoError(t, errB)
	t.Logf("both closed in %v", time.Since(start))
}

func TestQUICCloseDoesNotWaitForADialToAPeerThatIsGone(t *testing.T) {
	n := newTestNet(t)
	a := n.node("alice")
	a.Send(Peer{ID: "ghost", Addr: "127.0.0.1:9"}, quicSeq{Seq: 1}) // nothing answers there
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	start := time.Now()
	assert.NoError(t, a.close(t, ctx))
	assert.Less(t, time.Since(start), a.cfg.HandshakeTimeout, "Close returned before the dial's handshake timeout")
}
