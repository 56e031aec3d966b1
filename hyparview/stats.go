package hyparview

// Stats counts what a Node did and what it refused. All counters only grow.
type Stats struct {
	// Ignored counts inputs dropped as malformed, from this node itself, or
	// of a type this protocol does not know.
	Ignored uint64
	// JoinsHandled counts JOINs received as a contact.
	JoinsHandled uint64
	// NeighborRequests counts NEIGHBOR requests sent to repair the active view.
	NeighborRequests uint64
	// NeighborAccepted and NeighborRejected count requests received.
	NeighborAccepted uint64
	NeighborRejected uint64
	// NeighborTimeouts counts requests cancelled for want of a reply.
	NeighborTimeouts uint64
	// Evictions counts active peers dropped to make room for another.
	Evictions uint64
	// PeerFailures counts active peers lost to a failure notification.
	PeerFailures uint64
	// ShufflesStarted and ShufflesAccepted count shuffle walks started here
	// and ended here.
	ShufflesStarted  uint64
	ShufflesAccepted uint64
}
