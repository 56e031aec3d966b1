package node

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

// deliverQueued delivers the queued messages, and those they cause, without
// ticking anyone, and returns the catalog protocol's in the order sent.
func (tc *testCluster) deliverQueued() []overlay.Message {
	var sent []overlay.Message
	for len(tc.queue) > 0 {
		p := tc.queue[0]
		tc.queue = tc.queue[1:]
		if p.msg.Protocol() == overlay.ProtoCatalog {
			sent = append(sent, p.msg)
		}
		tc.cores[p.to].Step(tc.now, tc.cores[p.from].Self(), p.msg)
		tc.flush(p.to)
	}
	return sent
}

// newDivergedPair returns two joined Cores whose catalogs differ by one
// member only the second holds.
func newDivergedPair(t *testing.T) *testCluster {
	tc := newTestCluster(t, 2)
	tc.cores[1].Join(tc.now, tc.cores[0].Self())
	tc.flush(1)
	require.True(t, tc.waitFor(30*time.Second, func() bool { return tc.everyLiveNodeSees(tc.all(), catalog.Alive) }))
	tc.deliverQueued()
	extra := catalog.Record{Member: overlay.Peer{ID: "node-99", Addr: "10.0.0.99:7946"},
		Datacenter: "dc1", Incarnation: 1, Status: catalog.Alive, OwnerIncarnation: 1, Version: 1}
	require.NoError(t, extra.Sign(simulationKey("node-99")), "signed by its owner, or the first Core drops it")
	_, err := tc.cores[1].cat.Apply(tc.now, extra)
	require.NoError(t, err)
	require.NotEqual(t, tc.cores[0].Digest(), tc.cores[1].Digest())
	return tc
}

func TestAntiEntropyOpensWithOneHashAndRepairsThroughTheFullDigest(t *testing.T) {
	tc := newDivergedPair(t)
	tc.cores[0].startAntiEntropy(1)
	tc.flush(0)
	sent := tc.deliverQueued()
	require.GreaterOrEqual(t, len(sent), 3)
	require.Len(t, sent[0].(Digest).Buckets, 1, "the routine exchange opens with one hash")
	require.Len(t, sent[1].(Digest).Buckets, DefaultAntiEntropyBuckets, "a differing hash is answered with the full digest")
	require.IsType(t, Records{}, sent[2])
	require.Equal(t, tc.cores[0].Digest(), tc.cores[1].Digest(), "the catalogs agree afterwards")

	tc.cores[0].startAntiEntropy(1)
	tc.flush(0)
	require.Len(t, tc.deliverQueued(), 1, "agreeing catalogs cost the one hash")
}

func TestAntiEntropyWithTheFullDigestSkipsTheHash(t *testing.T) {
	tc := newDivergedPair(t)
	tc.cores[0].startAntiEntropy(DefaultAntiEntropyBuckets)
	tc.flush(0)
	sent := tc.deliverQueued()
	require.Len(t, sent[0].(Digest).Buckets, DefaultAntiEntropyBuckets)
	require.IsType(t, Records{}, sent[1], "the peer answers with records at once")
	require.Equal(t, tc.cores[0].Digest(), tc.cores[1].Digest())
}

func TestFullDigestGrowsWithTheCatalogAndTheAnswerSaysItsSize(t *testing.T) {
	tc := newDivergedPair(t)
	for i := range 8 * DefaultAntiEntropyBuckets {
		r := catalog.Record{Member: overlay.Peer{ID: overlay.NodeID(fmt.Sprintf("extra-%03d", i)), Addr: fmt.Sprintf("10.1.%d.%d:7946", i/250, i%250)},
			Datacenter: "dc1", Incarnation: 1, Status: catalog.Alive, OwnerIncarnation: 1, Version: 1}
		require.NoError(t, r.Sign(simulationKey(r.Member.ID)))
		_, err := tc.cores[1].cat.Apply(tc.now, r)
		require.NoError(t, err)
	}
	big := tc.cores[1].cat.Len() / recordsPerBucket
	require.Greater(t, big, DefaultAntiEntropyBuckets)

	tc.cores[1].sendFullDigest(tc.cores[0].Self())
	tc.flush(1)
	sent := tc.deliverQueued()
	require.Len(t, sent[0].(Digest).Buckets, big, "one hash per recordsPerBucket records")
	require.Equal(t, uint16(big), sent[1].(Records).Of, "the answer's Want is of the digest's buckets")
	require.Equal(t, tc.cores[0].Digest(), tc.cores[1].Digest(), "and the catalogs agree afterwards")
}
