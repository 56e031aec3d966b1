package vivaldi

// Stats counts what a [Node] did with its samples. Counters only grow;
// TrackedPeers is a gauge.
type Stats struct {
	// TrackedPeers is the number of peers with latency-filter state.
	TrackedPeers int

	// Updates counts samples accepted into the coordinate.
	Updates uint64
	// Rejected counts samples refused by [Node.Update]: an invalid peer ID,
	// remote coordinate or round-trip time.
	Rejected uint64
	// Resets counts the times the node's own coordinate became invalid and
	// was put back at the origin.
	Resets uint64
	// PeersEvicted counts peers whose filter state was dropped to stay
	// within MaxPeers.
	PeersEvicted uint64
}
