package node

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/overlayd/overlayd/node/catalog"
)

func TestStatsCountWhatTheMetricsExport(t *testing.T) {
	h := newHarness(t)
	all := cluster(t, h, 4, nil)
	eventually(t, func() bool { return h.sees(all, catalog.Alive) }, "all 4 alive everywhere")
	h.run(DefaultTickInterval * 2)
	a := h.agents[all[0]]
	s := a.Stats()
	assert.Equal(t, catalog.Counts{Alive: 4}, s.Members)
	f := gather(t, a.Agent)["overlay_catalog_members"]
	alive, ok := series(f, map[string]string{"status": "alive"})
	assert.True(t, ok)
	assert.Equal(t, float64(s.Members.Alive), alive)
	assert.Positive(t, s.Protocols.Plumtree.Delivered, "the joins' records were delivered")
	assert.Equal(t, float64(s.Protocols.SWIM.DeadDeclared), gatherValue(t, a.Agent, "overlay_swim_deaths_declared_total"))
}
