package overlay

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQUICIdentifyLearnsThePeerAtAnAddressAndKeepsTheConnection(t *testing.T) {
	n := newTestNet(t)
	a, b := n.node("alice"), n.node("bob")
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()

	got, err := a.Identify(ctx, b.LocalAddr().String())
	require.NoError(t, err)
	assert.Equal(t, b.Self(), got, "the name the certificate binds, the address the hello advertises")

	a.Send(got, quicSeq{Seq: 7})
	eventually(t, func() bool { return len(b.receivedFrom("alice")) == 1 }, "the message arrives")
	assert.Equal(t, uint64(1), a.Stats().Dials, "the message went out on the connection Identify made")
	assert.Empty(t, a.failures())
}

func TestQUICIdentifyRefusesAnotherClustersNode(t *testing.T) {
	n := newTestNet(t)
	good := n.node("good")
	foreign, err := newTestCA(t).Identity("stranger", CertOptions{})
	require.NoError(t, err)
	stranger := n.node("stranger", func(c *Config) { c.Identity = foreign })
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()

	_, err = good.Identify(ctx, stranger.LocalAddr().String())
	assert.True(t, errors.Is(err, ErrDialFailed), "got %v", err)
	assert.Equal(t, uint64(1), refusedCount(good, RefusedUnknownAuthority))
	assert.Equal(t, uint64(1), good.Stats().DialFailures)
}

func TestQUICIdentifyGivesUpWithItsContext(t *testing.T) {
	n := newTestNet(t)
	a := n.node("alice")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := a.Identify(ctx, "127.0.0.1:9") // nothing answers there
	assert.True(t, errors.Is(err, ErrDialFailed), "got %v", err)
	assert.Equal(t, 0, a.Stats().ConnectionsOpen, "the slot is given back")
}
