package hyparview

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func peer(i int) overlay.Peer {
	return overlay.Peer{ID: overlay.NodeID(fmt.Sprintf("n%d", i)), Addr: fmt.Sprintf("10.0.0.%d:7946", i)}
}

func peers(ids ...int) []overlay.Peer {
	var ps []overlay.Peer
	for _, i := range ids {
		ps = append(ps, peer(i))
	}
	return ps
}

// newTestNode builds node 0 with the given views, bypassing the protocol so
// that each handler can be tested from a known state.
func newTestNode(t *testing.T, active, passive []overlay.Peer, mutate ...func(*Config)) *Node {
	t.Helper()
	cfg := Config{Self: peer(0), Rand: rand.New(rand.NewPCG(1, 2))}
	for _, m := range mutate {
		m(&cfg)
	}
	n, err := New(cfg)
	require.NoError(t, err)
	for _, p := range active {
		n.active.add(p)
	}
	for _, p := range passive {
		n.passive.add(p)
	}
	return n
}

// sent returns the messages of rd addressed to p, in order.
func sent(rd Ready, p overlay.Peer) []overlay.Message {
	var ms []overlay.Message
	for _, o := range rd.Messages {
		if o.To.ID == p.ID {
			ms = append(ms, o.Msg)
		}
	}
	return ms
}

// ofType returns the messages of rd whose type is T, with their recipients.
func ofType[T overlay.Message](rd Ready) (out []T, to []overlay.Peer) {
	for _, o := range rd.Messages {
		if m, ok := o.Msg.(T); ok {
			out = append(out, m)
			to = append(to, o.To)
		}
	}
	return out, to
}
