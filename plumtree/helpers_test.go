package plumtree

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/stretchr/testify/require"
)

// t0 is the start of every test's virtual clock.
var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

const self overlay.NodeID = "self"

func peer(id overlay.NodeID) overlay.Peer {
	return overlay.Peer{ID: id, Addr: string(id) + ":7000"}
}

func testConfig(id overlay.NodeID, seed uint64) Config {
	return Config{Self: id, Rand: rand.New(rand.NewPCG(seed, 0x706c756d))}
}

// newTestNode returns a node "self" whose neighbours are eager (all start
// eager) except those listed in lazy, which are demoted by a PRUNE. Ready
// is drained.
func newTestNode(t testing.TB, modify func(*Config), eager []overlay.NodeID, lazy []overlay.NodeID) *Node {
	t.Helper()
	cfg := testConfig(self, 1)
	if modify != nil {
		modify(&cfg)
	}
	n, err := New(cfg)
	require.NoError(t, err)
	for _, id := range append(slices.Clone(eager), lazy...) {
		n.NeighborUp(t0, peer(id))
	}
	for _, id := range lazy {
		n.Step(t0, peer(id), Prune{})
	}
	n.Ready()
	return n
}

// mid returns a MessageID as some other node would have made it.
func mid(seq uint64) MessageID {
	var id MessageID
	copy(id[:8], "othernod")
	binary.BigEndian.PutUint64(id[8:], seq)
	return id
}

// sent lists, per message type, the recipients in send order.
type sent struct {
	Gossip, IHave, Graft, Prune []overlay.NodeID
}

func summarize(rd Ready) sent {
	var s sent
	for _, o := range rd.Messages {
		switch o.Msg.(type) {
		case Gossip:
			s.Gossip = append(s.Gossip, o.To.ID)
		case IHave:
			s.IHave = append(s.IHave, o.To.ID)
		case Graft:
			s.Graft = append(s.Graft, o.To.ID)
		case Prune:
			s.Prune = append(s.Prune, o.To.ID)
		}
	}
	return s
}

// messagesOf returns the messages of type T in rd, with their recipients.
func messagesOf[T overlay.Message](rd Ready) (to []overlay.NodeID, msgs []T) {
	for _, o := range rd.Messages {
		if m, ok := o.Msg.(T); ok {
			to = append(to, o.To.ID)
			msgs = append(msgs, m)
		}
	}
	return to, msgs
}

func deliveries(rd Ready) []Deliver {
	var out []Deliver
	for _, e := range rd.Events {
		if d, ok := e.(Deliver); ok {
			out = append(out, d)
		}
	}
	return out
}

func idsOf(ps []overlay.Peer) []overlay.NodeID {
	var out []overlay.NodeID
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// requireSets checks the eager and lazy sets by ID.
func requireSets(t testing.TB, n *Node, eager, lazy []overlay.NodeID) {
	t.Helper()
	require.Equal(t, eager, idsOf(n.Eager()), "eager set")
	require.Equal(t, lazy, idsOf(n.Lazy()), "lazy set")
}

// requireInvariants checks what must hold after every input: both sets
// sorted, disjoint, and without the node itself.
func requireInvariants(t testing.TB, n *Node) {
	t.Helper()
	if msg := invariantViolation(n); msg != "" {
		require.Fail(t, msg, "eager %v, lazy %v", idsOf(n.Eager()), idsOf(n.Lazy()))
	}
}

func invariantViolation(n *Node) string {
	eager, lazy := idsOf(n.Eager()), idsOf(n.Lazy())
	switch {
	case !slices.IsSorted(eager) || !slices.IsSorted(lazy):
		return "sets are not sorted"
	case slices.Contains(eager, n.cfg.Self) || slices.Contains(lazy, n.cfg.Self):
		return "self in a set"
	}
	for _, id := range eager {
		if _, found := slices.BinarySearch(lazy, id); found {
			return "eager and lazy sets intersect"
		}
	}
	return ""
}
