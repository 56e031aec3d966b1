// Package overlay holds what every overlayd protocol shares, and the
// network under them.
//
// The vocabulary: node identities ([NodeID], [Peer]), the message envelope
// and its CBOR codec with decode limits, and the message registry that maps
// a (protocol, type) pair on the wire to a Go type. On a stream each
// envelope travels as a frame: its length as 4 big-endian bytes, then the
// envelope (see [Codec.WriteFrame] and [Codec.ReadFrame]). It knows no
// protocol's messages: each protocol package registers its own message
// types, and the numbers it may use are allocated here as [Protocol]
// constants so that two protocols never collide on the wire.
//
// The transport: [Transport] is what the runtime needs from the network,
// and [QUICTransport] implements it over QUIC (quic-go) on one UDP socket,
// with mutual TLS 1.3 against the cluster CA, one connection per pair of
// nodes, bounded per-peer send queues with priorities, datagrams for the
// messages that want them, and counters ([Stats]) for the runtime to
// export. It does no logging: refused connections are reported through
// [Config.OnRefused], failures as [PeerFailed] events.
//
// The identity: a cluster CA ([NewCA], [NewThrowawayCA]) signs node
// certificates ([CA.Issue]) that bind a node name (see [NodeNameOf]); an
// [Identity] is a node's certificate with the CA it trusts. They are
// written as PEM files ([CA.WriteFiles], [NodeCert.WriteFiles]) and loaded
// back ([LoadCA], [LoadIdentity]) by `overlayd tls` and the agent.
package overlay
