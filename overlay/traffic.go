package overlay

// Direction is which way a message crossed a transport.
type Direction uint8

// The directions.
const (
	Outbound Direction = 1
	Inbound  Direction = 2
)

// String returns "out" or "in", for logs and metric labels.
func (d Direction) String() string {
	switch d {
	case Outbound:
		return "out"
	case Inbound:
		return "in"
	}
	return "unknown"
}

// TrafficCount is what a transport carried of one kind of message in one
// direction.
type TrafficCount struct {
	Protocol  Protocol
	Type      MsgType
	Direction Direction
	Messages  uint64
	// Bytes counts whole frames: envelope and length prefix.
	Bytes uint64
}

// TrafficStats is a snapshot of a transport's counters, which only grow.
type TrafficStats struct {
	// Traffic has one entry per (protocol, type, direction) carried so
	// far, in no particular order. Outbound counts messages accepted by
	// Send, Inbound messages delivered as [Received] events.
	Traffic []TrafficCount
	// QueueDrops counts messages dropped from full send queues.
	QueueDrops uint64
	// EncodeErrors counts messages Send could not encode: a bug.
	EncodeErrors uint64
	// DecodeErrors counts frames received that did not decode.
	DecodeErrors uint64
	// Refused counts connections refused because the peer could not prove
	// the identity it claimed.
	Refused uint64
}

// TrafficReporter is implemented by a [Transport] that counts what it
// carries; the runtime exports the counts as metrics.
type TrafficReporter interface {
	TrafficStats() TrafficStats
}
