package node

import "github.com/overlayd/overlayd/node/catalog"

// AgentStats is what the agent's loop last counted, refreshed every tick:
// the figures its metrics export, as plain values for an observer in the
// same process (the real-cluster load test reads thousands of agents, far
// cheaper than scraping their registries).
type AgentStats struct {
	// Members counts the catalog's records by status.
	Members catalog.Counts
	// Core and Protocols are the Core's counters and its protocols'.
	Core      Stats
	Protocols ProtocolStats
}

// Stats returns the counters as the loop last refreshed them; all zero
// before its first tick.
func (a *Agent) Stats() AgentStats {
	s := a.counters.Load()
	if s == nil {
		return AgentStats{}
	}
	return AgentStats{Members: s.members, Core: s.core, Protocols: s.protos}
}
