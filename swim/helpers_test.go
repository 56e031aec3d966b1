package swim

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

// verdictAfter is how long after its ping the probe of a never-measured
// peer ends when no helper was asked or every one nacked: the ping's
// timeout, then as long again for the helpers. lastVerdictAfter is when it
// ends at the latest, after waiting the grace for nacks still due.
const (
	verdictAfter     = 2 * DefaultProbeTimeout
	lastVerdictAfter = verdictAfter + DefaultProbeTimeout
)

// newTestNode builds node 0 probing the given active peers, with its
// outputs drained.
func newTestNode(t testing.TB, active []overlay.Peer, mutate ...func(*Config)) *Node {
	t.Helper()
	cfg := Config{Self: peer(0), Rand: rand.New(rand.NewPCG(1, 2))}
	for _, m := range mutate {
		m(&cfg)
	}
	n, err := New(cfg)
	require.NoError(t, err)
	for _, p := range active {
		n.NeighborUp(epoch, p)
	}
	n.Ready()
	return n
}

// startProbe makes a protocol period begin at now and returns its ping and
// target.
func startProbe(t testing.TB, n *Node, now time.Time) (Ping, overlay.Peer) {
	t.Helper()
	n.nextProbe = now
	n.Tick(now)
	pings, to := ofType[Ping](n.Ready())
	require.Len(t, pings, 1, "one ping per period")
	return pings[0], to[0]
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

// eventsOf returns the events of rd whose type is T.
func eventsOf[T Event](rd Ready) []T {
	var out []T
	for _, e := range rd.Events {
		if v, ok := e.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// broadcasts returns the updates of rd's Broadcast events.
func broadcasts(rd Ready) []Update {
	var us []Update
	for _, b := range eventsOf[Broadcast](rd) {
		us = append(us, b.Update)
	}
	return us
}

// state returns what n knows of member p, or zero.
func state(n *Node, p overlay.Peer) (State, uint64) {
	u, _ := n.Member(p.ID)
	return u.State, u.Incarnation
}

func ids(ps []overlay.Peer) []overlay.NodeID {
	var out []overlay.NodeID
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}
