package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// recorder is a Handler that logs every call, with the virtual time, into a
// log shared by all nodes of a test network.
type recorder struct {
	id  int
	net *Network
	log *[]string
}

func (r *recorder) Deliver(from int, msg any) {
	r.record("deliver %d->%d %v", from, r.id, msg)
}

func (r *recorder) SendFailed(to int, msg any) {
	r.record("sendfailed %d->%d %v", r.id, to, msg)
}

func (r *recorder) ConnectionLost(peer int) {
	r.record("connlost %d: %d", r.id, peer)
}

func (r *recorder) record(format string, args ...any) {
	at := r.net.Now().Sub(r.net.cfg.Start)
	*r.log = append(*r.log, fmt.Sprintf("%v ", at)+fmt.Sprintf(format, args...))
}

// newRecorded builds a network of size nodes whose handlers all write to the
// returned log.
func newRecorded(t testing.TB, cfg Config, size int) (*Network, *[]string) {
	t.Helper()
	n, err := New(cfg)
	require.NoError(t, err)
	log := new([]string)
	for i := range size {
		require.Equal(t, i, n.Add(&recorder{id: i, net: n, log: log}))
	}
	return n, log
}

// since returns the virtual time elapsed since the network's epoch.
func since(n *Network) time.Duration { return n.Now().Sub(n.cfg.Start) }

// requireBalanced checks that every message sent is accounted for exactly once.
func requireBalanced(t testing.TB, s Stats) {
	t.Helper()
	var sum Counter
	for _, c := range []Counter{s.Delivered, s.DroppedLoss, s.DroppedPartition, s.DroppedCrashed, s.SendFailed, s.InFlight} {
		sum.add(c)
	}
	require.Equal(t, s.Sent, sum, "Sent must equal the sum of the outcomes")
}

// joined renders a log for error messages and transcripts.
func joined(log []string) string { return strings.Join(log, "\n") }
