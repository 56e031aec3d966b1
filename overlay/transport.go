package overlay

import "context"

// Transport carries messages between nodes. It is the one thing the
// runtime needs from the network: the QUIC implementation serves the
// daemon, an in-memory one serves tests.
//
// Every method returns at once: the event loop that owns a node's Core
// calls them and must never wait on the network. Failures to reach a peer
// are reported later, as [PeerFailed] events.
type Transport interface {
	// Send queues msg for to. It never blocks: when the peer's queue is
	// full, the message of lowest priority (per the transport's
	// [Classifier]) is dropped and counted. A message that cannot be
	// encoded is dropped and counted too; the protocols send only what
	// they registered, so that is a bug, not a network event.
	Send(to Peer, msg Message)
	// Keep asks for a long-lived connection to p, an active peer. Messages
	// to p still go through Send.
	Keep(p Peer)
	// Release ends the long-lived status of the connection to id: it
	// closes once idle, like the short-lived connections that serve joins,
	// shuffles, indirect probes and coordinate samples.
	Release(id NodeID)
	// Identify connects to addr and returns the peer found there, as its
	// certificate names it. Unlike the other methods it blocks, until the
	// handshake ends or ctx does, so call it off the event loop. Joining
	// through a seed, known only by its address, starts here.
	Identify(ctx context.Context, addr string) (Peer, error)
	// Events delivers what arrives, in order of arrival: [Received]
	// messages and [PeerFailed] notices. It is closed after Close.
	Events() <-chan TransportEvent
	// Self returns the identity and advertised address of this node.
	Self() Peer
	// Close stops the transport, within ctx's deadline: queued messages
	// are flushed until then, after which connections are closed
	// regardless.
	Close(ctx context.Context) error
}

// TransportEvent is a [Received] message or a [PeerFailed] notice.
type TransportEvent interface{ isTransportEvent() }

// Received is a message from an authenticated peer: From.ID is the node
// name its certificate binds, From.Addr the address it advertised.
type Received struct {
	From Peer
	Msg  Message
}

// PeerFailed reports that a peer could not be reached: a dial failed, a
// connection was lost, or messages to it could not be delivered.
type PeerFailed struct {
	ID  NodeID
	Err error
}

func (Received) isTransportEvent()   {}
func (PeerFailed) isTransportEvent() {}

// Priority orders a peer's send queue. When the queue is full, a message of
// the lowest priority queued is dropped first; among equals, the oldest.
type Priority uint8

// The priorities, lowest first.
const (
	// PriorityLazy is for announcements (Plumtree's IHAVE): a lost one is
	// made good by the next announcement or by anti-entropy.
	PriorityLazy Priority = 1
	// PriorityPayload is for broadcast payloads and catalog transfers.
	PriorityPayload Priority = 2
	// PriorityMembership is for the overlay's own upkeep: HyParView and
	// SWIM, without which the node drops out of the cluster.
	PriorityMembership Priority = 3
)

// Class is how a transport treats one message.
type Class struct {
	Priority Priority
	// Datagram asks for unreliable delivery: a lost message is not
	// retransmitted. SWIM's probes want it, since a probe retransmitted
	// after a loss would hide the loss it exists to detect.
	Datagram bool
}

// Classifier gives the class of each message a transport sends. The
// transport knows protocols only by number; the layer that composes them
// knows which of their messages matter most.
type Classifier func(Message) Class
