package sim

// Counter counts messages and their bytes.
type Counter struct {
	Msgs  uint64
	Bytes uint64
}

func (c *Counter) add(d Counter) {
	c.Msgs += d.Msgs
	c.Bytes += d.Bytes
}

func (c *Counter) sub(d Counter) {
	c.Msgs -= d.Msgs
	c.Bytes -= d.Bytes
}

// Stats counts what the network did. Every message accepted by Send ends up
// in exactly one of the other counters:
//
//	Sent = Delivered + DroppedLoss + DroppedPartition + DroppedCrashed + SendFailed + InFlight
type Stats struct {
	Events uint64 // events processed by Step (messages, notifications, callbacks)

	Sent             Counter // accepted from a live sender
	Delivered        Counter // handed to the destination's Handler.Deliver
	DroppedLoss      Counter // dropped by random loss
	DroppedPartition Counter // dropped because a partition separated the ends, at send or on arrival
	DroppedCrashed   Counter // in flight to a node that crashed before they arrived
	SendFailed       Counter // sent to a node that was down; the sender heard SendFailed
	InFlight         Counter // scheduled, not yet arrived

	SendsWhileDown uint64 // Send calls from a crashed sender, ignored

	PerNodeSent      []Counter // Sent by sender, indexed by node
	PerNodeDelivered []Counter // Delivered by receiver, indexed by node
}

// Stats returns a copy of the counters.
func (n *Network) Stats() Stats {
	s := n.stats
	s.PerNodeSent = append([]Counter(nil), s.PerNodeSent...)
	s.PerNodeDelivered = append([]Counter(nil), s.PerNodeDelivered...)
	return s
}
