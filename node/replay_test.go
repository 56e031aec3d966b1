package node

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
)

// TestReplayedOldRecordsChangeNothing has a member replay, long after, the
// records another member has since superseded, as anti-entropy pushes
// them: every catalog keeps the newer record, and stays as it was.
func TestReplayedOldRecordsChangeNothing(t *testing.T) {
	tc := newTestCluster(t, 3)
	for i := 1; i < 3; i++ {
		tc.cores[i].Join(tc.now, tc.cores[0].Self())
		tc.flush(i)
	}
	require.True(t, tc.waitFor(time.Minute, func() bool { return tc.everyLiveNodeSees(tc.all(), catalog.Alive) }))
	owner := tc.cores[2]
	require.NoError(t, owner.RegisterService(tc.now, catalog.Service{ID: "web-1", Name: "web", Health: catalog.Passing}))
	tc.flush(2)
	tc.run(5 * time.Second)
	old, ok := tc.cores[0].Member(owner.Self().ID)
	require.True(t, ok)
	require.Len(t, old.Services, 1)

	require.True(t, owner.DeregisterService(tc.now, "web-1"))
	tc.flush(2)
	tc.run(5 * time.Second)
	want, _ := owner.Member(owner.Self().ID)
	require.Empty(t, want.Services)

	replayer, victim := tc.cores[1], tc.cores[0]
	victim.Step(tc.now, replayer.Self(), Records{Records: []catalog.Record{old}})
	tc.flush(0)
	tc.run(5 * time.Second)
	for _, c := range tc.cores {
		got, ok := c.Member(owner.Self().ID)
		require.True(t, ok)
		require.Equal(t, want, got, "%s holds the newer record", c.Self().ID)
	}
}
