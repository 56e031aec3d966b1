package plumtree

// Stats counts what a [Node] did and what it ignored. Counters only grow;
// the fields marked as gauges describe the current state.
type Stats struct {
	// Gauges.
	EagerPeers   int // size of the eager set
	LazyPeers    int // size of the lazy set
	CachedCount  int // payloads in the message cache
	CachedBytes  int // bytes of those payloads
	SeenCount    int // remembered message IDs
	MissingCount int // messages announced but not yet received

	Broadcasts         uint64 // messages this node originated
	OversizeBroadcasts uint64 // broadcasts refused, their payload over MaxPayloadBytes
	Delivered          uint64 // Deliver events, own broadcasts included

	GossipReceived uint64 // GOSSIPs accepted for processing
	Duplicates     uint64 // GOSSIPs for messages already received
	GossipSent     uint64 // GOSSIPs sent by eager push
	Resent         uint64 // GOSSIPs resent in answer to a GRAFT
	IHavesSent     uint64 // IHAVE messages sent
	IHaveEntries   uint64 // entries in the IHAVEs sent
	IHavesReceived uint64 // IHAVE messages accepted for processing
	AnnouncedToNew uint64 // IHAVE entries sent to new neighbours for recent messages
	GraftsSent     uint64 // GRAFTs sent, with or without a message ID
	Regrafts       uint64 // GRAFTs without an ID sent to lazy peers after an eager one went down
	GraftsReceived uint64 // GRAFTs accepted for processing
	PrunesSent     uint64 // PRUNEs sent
	PrunesReceived uint64 // PRUNEs accepted for processing

	GraftTimerFired uint64 // graft timers that expired and sent a GRAFT
	MissingGaveUp   uint64 // missing messages dropped after every announcer was tried
	MissingOverflow uint64 // announcements ignored because MaxMissing was reached
	GraftCacheMiss  uint64 // GRAFTs for a seen message no longer cached

	HopOptimizations     uint64 // swaps by the paper's hop-count rule
	LatencyOptimizations uint64 // swaps by the latency rule, measured or estimated

	CacheExpired      uint64 // payloads evicted by CacheTTL
	CacheEvictedCount uint64 // payloads evicted by MaxCacheEntries
	CacheEvictedBytes uint64 // payloads evicted by MaxCacheBytes
	CacheRejected     uint64 // payloads larger than MaxCacheBytes, never cached
	SeenExpired       uint64 // IDs forgotten after SeenTTL
	SeenEvictedEarly  uint64 // IDs forgotten before SeenTTL because of MaxSeenEntries

	// Bad input, ignored.
	FromSelf         uint64 // messages claiming to come from this node
	InvalidSender    uint64 // messages whose sender fails overlay.Peer.Validate
	NotNeighbor      uint64 // messages from a peer outside the eager and lazy sets
	WrongType        uint64 // messages that are not a Plumtree message value
	Malformed        uint64 // messages or IHAVE entries with an invalid field
	TooManyEntries   uint64 // IHAVEs with more than MaxIHaveEntries entries
	OversizeGossips  uint64 // GOSSIPs whose payload exceeds MaxPayloadBytes
	GraftUnknownID   uint64 // GRAFTs for a message never seen (or long forgotten)
	BadNotifications uint64 // NeighborUp/Down for self, an invalid peer or an unknown neighbour
}
