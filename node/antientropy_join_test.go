package node

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
)

func TestJoinerTakesItsCatalogFromTheEndOfAWalkNotFromItsContact(t *testing.T) {
	const joiner, contact = 7, 0
	tc := newTestCluster(t, joiner+1)
	for i := 1; i < joiner; i++ {
		tc.cores[i].Join(tc.now, tc.cores[contact].Self())
		tc.flush(i)
	}
	members := tc.all()[:joiner]
	tc.crashed[joiner] = true // not started yet
	require.True(t, tc.waitFor(30*time.Second, func() bool { return tc.everyLiveNodeSees(members, catalog.Alive) }))

	tc.crashed[joiner] = false
	var delivered []pending
	tc.trace = &delivered
	tc.cores[joiner].Join(tc.now, tc.cores[contact].Self())
	tc.flush(joiner)
	tc.run(joinSettle)

	var syncFrom []int
	sentRecords := map[int]bool{}
	for _, p := range delivered {
		switch p.msg.(type) {
		case SyncRequest:
			require.Equal(t, joiner, p.from, "only the joiner asks for a whole catalog")
			syncFrom = append(syncFrom, p.to)
		case Records:
			if p.to == joiner {
				sentRecords[p.from] = true
			}
		}
	}
	require.Len(t, syncFrom, 1, "the joiner asks one peer for the catalog")
	require.NotEqual(t, contact, syncFrom[0], "and not its contact")
	require.Equal(t, map[int]bool{syncFrom[0]: true}, sentRecords, "which alone sends it records until the sync settles")
	require.True(t, tc.waitFor(30*time.Second, func() bool { return tc.everyLiveNodeSees(tc.all(), catalog.Alive) }),
		"and every catalog then holds every member")
}

func TestContactWithNoOtherPeerSyncsTheJoiner(t *testing.T) {
	tc := newTestCluster(t, 2)
	var delivered []pending
	tc.trace = &delivered
	tc.cores[1].Join(tc.now, tc.cores[0].Self())
	tc.flush(1)
	tc.run(time.Second)
	var digests int
	for _, p := range delivered {
		if _, ok := p.msg.(Digest); ok && p.from == 0 {
			digests++
		}
	}
	require.Equal(t, 1, digests, "the contact, with no peer to forward the join to, opens the exchange")
	require.True(t, tc.everyLiveNodeSees(tc.all(), catalog.Alive), "within a second of the join")
}
