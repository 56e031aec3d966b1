package overlay

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidConfig reports a [Config] that a transport cannot run with.
var ErrInvalidConfig = errors.New("overlay: invalid transport config")

// ALPN returns the TLS application protocol that names the wire version,
// "overlayd/1" for version 1. Nodes of different wire versions fail the
// handshake instead of misreading each other.
func ALPN() string { return fmt.Sprintf("overlayd/%d", WireVersion) }

// Config configures a [QUICTransport]. Identity and Registry are required;
// every other field's zero value means its default. The transport copies
// the Config and never modifies the caller's.
type Config struct {
	// Identity is the node's certificate and the cluster CA. The node's
	// name is the one its certificate binds. Required.
	Identity *Identity
	// Registry holds the message types the node may receive. Required.
	Registry *Registry
	// Limits bound every envelope received; Limits.MaxFrameBytes is the
	// maximum frame. Zero fields take the codec's defaults.
	Limits Limits
	// Classifier gives each message its priority and whether it may travel
	// as a datagram. Default: every message at PriorityPayload, on a
	// stream.
	Classifier Classifier
	// Advertise is the address peers dial to reach this node, host:port.
	// Default: the local address of the socket, which must then not be a
	// wildcard such as 0.0.0.0.
	Advertise string

	// MaxConnections bounds the QUIC connections open at once, in every
	// state, inbound and outbound. An inbound connection beyond it is
	// refused; a dial beyond it fails. Default 1024.
	MaxConnections int
	// MaxConnectionsPerAddress bounds the inbound connections open at once,
	// in every state, from one IP address, so that one host cannot take
	// every slot of MaxConnections. A connection beyond it is refused with
	// RefusedTooManyFromAddress. Default 128: a node has one connection to
	// each peer, two while a simultaneous dial is resolved, and several
	// agents may share an address (a NAT, a test cluster on loopback).
	MaxConnectionsPerAddress int
	// MaxHandshakesPerSecond bounds the inbound handshakes started per
	// second, with bursts of one second's worth. A handshake costs a
	// signature and a certificate check; one beyond the rate is refused
	// with RefusedHandshakeRate before any cryptography. Once less than
	// half of a second's worth is left, a new peer must first prove its
	// address with a QUIC Retry (RFC 9000 §8.1.2), which keeps no state,
	// so that half-open handshakes from spoofed addresses hold no slot.
	// Default 200: a node's steady state is a few short-lived connections
	// a second (joins, shuffles, indirect probes, samples), and a seed
	// whose cluster restarts at once takes its joins within seconds.
	MaxHandshakesPerSecond int
	// MaxPeerMessagesPerSecond bounds the messages accepted from one peer
	// per second, over all its connections, with bursts of one second's
	// worth. Messages beyond it are dropped and counted in
	// Stats.RateLimited; the reader never waits for tokens. Default 2000:
	// the largest legitimate burst, a full catalog sync of 100,000 members
	// in messages of 256 records, is 391 messages, and the steady state
	// is a few messages a second per peer.
	MaxPeerMessagesPerSecond int
	// MaxQueueMessages bounds each peer's send queue in messages.
	// Default 1024.
	MaxQueueMessages int
	// MaxQueueBytes bounds each peer's send queue in envelope bytes.
	// Default 4 × Limits.MaxFrameBytes (4 MiB with the default limits); it
	// may not be less than Limits.MaxFrameBytes.
	MaxQueueBytes int
	// HandshakeTimeout bounds the TLS handshake together with the hello
	// exchange that follows it, on dialed and accepted connections
	// alike. Default 5 s, quic-go's own default for the handshake.
	HandshakeTimeout time.Duration
	// IdleTimeout is how long a connection may go without a packet
	// before QUIC closes it; it bounds how long a silent peer goes
	// unnoticed. A kept connection sends keep-alives every third of it; a
	// connection not kept is wound down after half of it without
	// messages, which ends the short-lived connections of joins,
	// shuffles and probes. Use the same value on every node. Default
	// 10 s, memberlist's default TCP timeout.
	IdleTimeout time.Duration
	// EventBuffer is the capacity of the queue in front of Events. When
	// it is full, received messages wait, and QUIC flow control slows
	// their senders. Default 1024.
	EventBuffer int

	// OnRefused, if set, is called for refused connections, from a
	// transport goroutine; it must return quickly. The runtime logs
	// refusals through it. It is called for at most
	// RefusalReportsPerSecond refusals a second, so that a flood cannot
	// flood the log as well; the others are only counted, in
	// Stats.Refused and Stats.RefusalsUnreported.
	OnRefused func(Refusal)
}

// Defaults of Config.
const (
	DefaultMaxConnections           = 1024
	DefaultMaxConnectionsPerAddress = 128
	DefaultMaxHandshakesPerSecond   = 200
	DefaultMaxPeerMessagesPerSecond = 2000
	DefaultMaxQueueMessages         = 1024
	DefaultHandshakeTimeout         = 5 * time.Second
	DefaultIdleTimeout              = 10 * time.Second
	DefaultEventBuffer              = 1024
	// RefusalReportsPerSecond bounds the calls of Config.OnRefused.
	RefusalReportsPerSecond = 10
)

// Validate reports whether the transport can run with c.
func (c Config) Validate() error {
	switch {
	case c.Identity == nil:
		return fmt.Errorf("%w: Identity is required", ErrInvalidConfig)
	case c.Registry == nil:
		return fmt.Errorf("%w: Registry is required", ErrInvalidConfig)
	}
	if err := c.Limits.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if len(c.Advertise) > MaxAddrLen {
		return fmt.Errorf("%w: Advertise of %d bytes exceeds %d", ErrInvalidConfig, len(c.Advertise), MaxAddrLen)
	}
	for _, f := range []struct {
		name  string
		value int64
	}{
		{"MaxConnections", int64(c.MaxConnections)},
		{"MaxConnectionsPerAddress", int64(c.MaxConnectionsPerAddress)},
		{"MaxHandshakesPerSecond", int64(c.MaxHandshakesPerSecond)},
		{"MaxPeerMessagesPerSecond", int64(c.MaxPeerMessagesPerSecond)},
		{"MaxQueueMessages", int64(c.MaxQueueMessages)},
		{"MaxQueueBytes", int64(c.MaxQueueBytes)},
		{"HandshakeTimeout", int64(c.HandshakeTimeout)},
		{"IdleTimeout", int64(c.IdleTimeout)},
		{"EventBuffer", int64(c.EventBuffer)},
	} {
		if f.value < 0 {
			return fmt.Errorf("%w: %s is negative", ErrInvalidConfig, f.name)
		}
	}
	d := c.withDefaults()
	if d.MaxQueueBytes < d.Limits.MaxFrameBytes {
		return fmt.Errorf("%w: MaxQueueBytes %d is less than MaxFrameBytes %d, so the largest message could never be queued",
			ErrInvalidConfig, d.MaxQueueBytes, d.Limits.MaxFrameBytes)
	}
	return nil
}

// withDefaults returns a copy of c with every zero field set to its default.
func (c Config) withDefaults() Config {
	c.Limits = c.Limits.withDefaults()
	if c.Classifier == nil {
		c.Classifier = func(Message) Class { return Class{Priority: PriorityPayload} }
	}
	SetDefault(&c.MaxConnections, DefaultMaxConnections)
	SetDefault(&c.MaxConnectionsPerAddress, DefaultMaxConnectionsPerAddress)
	SetDefault(&c.MaxHandshakesPerSecond, DefaultMaxHandshakesPerSecond)
	SetDefault(&c.MaxPeerMessagesPerSecond, DefaultMaxPeerMessagesPerSecond)
	SetDefault(&c.MaxQueueMessages, DefaultMaxQueueMessages)
	SetDefault(&c.MaxQueueBytes, 4*c.Limits.MaxFrameBytes)
	SetDefault(&c.HandshakeTimeout, DefaultHandshakeTimeout)
	SetDefault(&c.IdleTimeout, DefaultIdleTimeout)
	SetDefault(&c.EventBuffer, DefaultEventBuffer)
	return c
}
