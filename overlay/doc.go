// Package overlay holds the vocabulary that every overlayd protocol shares:
// node identities ([NodeID], [Peer]), the message envelope and its CBOR
// codec with decode limits, and the message registry that maps a
// (protocol, type) pair on the wire to a Go type. On a stream each envelope
// travels as a frame: its length as 4 big-endian bytes, then the envelope
// (see [Codec.WriteFrame] and [Codec.ReadFrame]).
//
// It knows no protocol's messages. Each protocol package registers its own
// message types, and the numbers it may use are allocated here as
// [Protocol] constants so that two protocols never collide on the wire.
package overlay
