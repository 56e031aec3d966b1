package swim

// Stats counts what a Node did and what it refused. All counters only grow.
type Stats struct {
	// Ignored counts inputs dropped as malformed, from this node itself,
	// misdirected, or of a type this protocol does not know.
	Ignored uint64
	// UnknownSeq counts acks and nacks that match no outstanding probe or
	// relay: late, duplicated or invented.
	UnknownSeq uint64
	// WrongPeer counts acks and nacks whose sequence number is known but
	// whose sender is neither the target nor a helper asked.
	WrongPeer uint64
	// StaleUpdates counts observed updates that changed nothing: older,
	// weaker or repeated.
	StaleUpdates uint64

	// ProbesSent counts direct pings of this node's own probes.
	ProbesSent uint64
	// ProbesAcked and IndirectAcks count probes answered by the target and
	// through a helper; ProbesFailed those with no ack by the verdict.
	ProbesAcked  uint64
	IndirectAcks uint64
	ProbesFailed uint64
	// ProbesOutlived counts probes without an ack of a target heard from
	// after the ping; they suspect nobody (see Node.Heard).
	ProbesOutlived uint64
	// LateAcks counts acks of this node's probes that came after the
	// verdict; each still measures the target's round trip.
	LateAcks uint64
	// UrgentProbes counts probes of suspected active peers started ahead
	// of their turn.
	UrgentProbes uint64
	// ProbesAbandoned counts probes whose period this node overran by a
	// whole period, stalled itself; they suspect nobody.
	ProbesAbandoned uint64
	// PingReqsSent counts PingReqs sent, one per helper.
	PingReqsSent uint64
	// NacksReceived counts distinct nacks from the helpers asked.
	NacksReceived uint64

	// RelaysStarted counts PingReqs served as a helper, NacksSent the nacks
	// this node sent as one, and RelaysDropped the PingReqs refused because
	// too many were outstanding.
	RelaysStarted uint64
	NacksSent     uint64
	RelaysDropped uint64

	// SuspicionsRaised counts suspicions this node raised or confirmed
	// after a failed probe; DeadDeclared the Dead verdicts it broadcast.
	SuspicionsRaised uint64
	DeadDeclared     uint64
	// SuspicionsAnswered counts suspicions deferred because the suspect
	// was heard from, here or by another node's word, and the answers this
	// node broadcast.
	SuspicionsAnswered uint64
	// Refutations counts Alive updates broadcast to refute a suspicion or
	// death of this node.
	Refutations uint64
	// IncarnationSaturated counts refutations impossible because the
	// incarnation had reached its maximum.
	IncarnationSaturated uint64
	// FarewellsDropped counts departed neighbours and checked members not
	// given their probe because too many were waiting for one.
	FarewellsDropped uint64
	// ChecksQueued counts members outside the probe set queued for a probe
	// because the runtime could not reach them (Node.Check).
	ChecksQueued uint64
}
