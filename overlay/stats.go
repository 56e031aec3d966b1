package overlay

import (
	"maps"
	"sync"
)

// Direction tells sent traffic from received traffic.
type Direction uint8

// The directions.
const (
	DirectionIn Direction = iota + 1
	DirectionOut
)

// String names the direction for metric labels.
func (d Direction) String() string {
	switch d {
	case DirectionIn:
		return "in"
	case DirectionOut:
		return "out"
	}
	return "unknown"
}

// StatsReporter is implemented by a [Transport] that counts what it
// carries; the runtime exports the counts as metrics.
type StatsReporter interface {
	Stats() Stats
}

// TrafficKey names one series of [Stats.Traffic].
type TrafficKey struct {
	Protocol  Protocol
	Type      MsgType
	Direction Direction
}

// Traffic counts messages and the bytes they took on the wire: the envelope,
// plus the frame's length prefix on a stream. QUIC's own overhead is not
// counted.
type Traffic struct {
	Messages uint64
	Bytes    uint64
}

// Stats is a snapshot of a transport's counters, as plain values for the
// runtime to export. Counters only grow; the gauges say how things stand
// at the moment of the snapshot. Maps hold only the keys that were counted.
type Stats struct {
	// Traffic counts messages by protocol, type and direction. The
	// transport's own hellos are counted under [ProtoTransport].
	Traffic map[TrafficKey]Traffic
	// QueueDrops counts messages dropped from a full send queue, by the
	// priority of the message dropped.
	QueueDrops map[Priority]uint64
	// Undeliverable counts queued messages discarded because their peer
	// could not be reached (a failed dial, a lost connection) or because
	// the transport closed before sending them, by priority.
	Undeliverable map[Priority]uint64
	// EncodeErrors counts messages that Send could not encode: a bug in
	// the sender, since protocols send only what they registered.
	EncodeErrors uint64
	// DecodeErrors counts received frames and datagrams that failed to
	// decode; a frame that breaks the stream also closes its connection.
	DecodeErrors uint64
	// Refused counts refused connections, inbound and outbound, by reason.
	Refused map[RefusalReason]uint64
	// RefusalsUnreported counts the refusals not handed to
	// Config.OnRefused, past its RefusalReportsPerSecond.
	RefusalsUnreported uint64
	// RetriesDemanded counts inbound attempts asked to prove their
	// address with a QUIC Retry, under a burst of handshakes.
	RetriesDemanded uint64
	// RateLimited counts received messages dropped because their peer
	// sent more than Config.MaxPeerMessagesPerSecond.
	RateLimited uint64
	// PacketsDropped counts the datagrams dropped before they reached a
	// connection, by reason: "not_quic" for those that are not QUIC at
	// all, quic-go's qlog trigger for the others ("header_parse_error",
	// "unknown_connection_id", "unexpected_packet", "dos_prevention", …).
	PacketsDropped map[string]uint64
	// Dials counts connection attempts this node made; DialFailures those
	// that failed, refusals included.
	Dials        uint64
	DialFailures uint64
	// DatagramsSent counts messages sent as QUIC datagrams;
	// DatagramFallbacks those of the datagram class that went on the
	// stream instead, because the connection could not carry them as one.
	DatagramsSent     uint64
	DatagramFallbacks uint64
	// EventsDropped counts received messages dropped because the event
	// channel was full while the transport was closing.
	EventsDropped uint64

	// ConnectionsOpen is the number of QUIC connections open, in any
	// state: handshaking, in use, or being wound down.
	ConnectionsOpen int
	// PeersConnected is the number of peers with a connection in use.
	PeersConnected int
	// PeersKept is the number of peers marked with Keep.
	PeersKept int
}

// counters holds a transport's counters behind their own lock, so that
// counting never waits on the transport's state.
type counters struct {
	mu sync.Mutex
	s  Stats
}

func newCounters() *counters {
	return &counters{s: Stats{
		Traffic:        make(map[TrafficKey]Traffic),
		QueueDrops:     make(map[Priority]uint64),
		Undeliverable:  make(map[Priority]uint64),
		Refused:        make(map[RefusalReason]uint64),
		PacketsDropped: make(map[string]uint64),
	}}
}

func (c *counters) traffic(k wireKind, d Direction, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := TrafficKey{Protocol: k.protocol, Type: k.msgType, Direction: d}
	t := c.s.Traffic[key]
	t.Messages++
	t.Bytes += uint64(bytes)
	c.s.Traffic[key] = t
}

// dropped counts msgs in m, QueueDrops or Undeliverable.
func (c *counters) dropped(m map[Priority]uint64, msgs []outMsg) {
	if len(msgs) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, msg := range msgs {
		m[msg.class.Priority]++
	}
}

func (c *counters) queueDrops(msgs []outMsg)    { c.dropped(c.s.QueueDrops, msgs) }
func (c *counters) undeliverable(msgs []outMsg) { c.dropped(c.s.Undeliverable, msgs) }

// add increments one of the plain counters of c.s, chosen by field.
func (c *counters) add(field func(*Stats) *uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	*field(&c.s)++
}

func (c *counters) refused(r RefusalReason) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.Refused[r]++
}

func (c *counters) packetDropped(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.PacketsDropped[reason]++
}

// snapshot returns a deep copy of the counters.
func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	s.Traffic = maps.Clone(c.s.Traffic)
	s.QueueDrops = maps.Clone(c.s.QueueDrops)
	s.Undeliverable = maps.Clone(c.s.Undeliverable)
	s.Refused = maps.Clone(c.s.Refused)
	s.PacketsDropped = maps.Clone(c.s.PacketsDropped)
	return s
}

// Field selectors for counters.add.
func encodeErrors(s *Stats) *uint64       { return &s.EncodeErrors }
func decodeErrors(s *Stats) *uint64       { return &s.DecodeErrors }
func dials(s *Stats) *uint64              { return &s.Dials }
func dialFailures(s *Stats) *uint64       { return &s.DialFailures }
func datagramsSent(s *Stats) *uint64      { return &s.DatagramsSent }
func datagramFallbacks(s *Stats) *uint64  { return &s.DatagramFallbacks }
func eventsDropped(s *Stats) *uint64      { return &s.EventsDropped }
func refusalsUnreported(s *Stats) *uint64 { return &s.RefusalsUnreported }
func rateLimited(s *Stats) *uint64        { return &s.RateLimited }
func retriesDemanded(s *Stats) *uint64    { return &s.RetriesDemanded }
