package overlay

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"

	"github.com/quic-go/quic-go"
)

// RefusalReason says why a connection was refused before it carried any
// message.
type RefusalReason uint8

// The reasons, in the order a handshake meets them.
const (
	// RefusedTooManyConnections: the transport was at
	// Config.MaxConnections.
	RefusedTooManyConnections RefusalReason = iota + 1
	// RefusedHandshakeRate: inbound handshakes came faster than
	// Config.MaxHandshakesPerSecond.
	RefusedHandshakeRate
	// RefusedTooManyFromAddress: the peer's IP address had
	// Config.MaxConnectionsPerAddress inbound connections open.
	RefusedTooManyFromAddress
	// RefusedNoCertificate: the peer presented no certificate.
	RefusedNoCertificate
	// RefusedUnknownAuthority: the peer's certificate does not chain to
	// the cluster CA.
	RefusedUnknownAuthority
	// RefusedExpired: the peer's certificate is expired or not yet valid.
	RefusedExpired
	// RefusedInvalidCertificate: the peer's certificate chains to the CA
	// but cannot serve (wrong key usage, no node name, malformed).
	RefusedInvalidCertificate
	// RefusedNameMismatch: a dialed peer's certificate binds another node
	// name than the one dialed.
	RefusedNameMismatch
	// RefusedBadHello: the peer's hello was missing, late or malformed.
	RefusedBadHello
	// RefusedHelloMismatch: the peer's hello claims another node than its
	// certificate binds.
	RefusedHelloMismatch
	// RefusedByPeer: the peer refused this node's handshake (its TLS
	// alert or connection refusal ended it).
	RefusedByPeer
	// RefusedHandshakeFailed: the handshake failed for another reason: a
	// timeout, a version or protocol mismatch, a network error.
	RefusedHandshakeFailed
)

// String names the reason for logs and metric labels.
func (r RefusalReason) String() string {
	switch r {
	case RefusedTooManyConnections:
		return "too_many_connections"
	case RefusedHandshakeRate:
		return "handshake_rate"
	case RefusedTooManyFromAddress:
		return "too_many_from_address"
	case RefusedNoCertificate:
		return "no_certificate"
	case RefusedUnknownAuthority:
		return "unknown_authority"
	case RefusedExpired:
		return "expired"
	case RefusedInvalidCertificate:
		return "invalid_certificate"
	case RefusedNameMismatch:
		return "name_mismatch"
	case RefusedBadHello:
		return "bad_hello"
	case RefusedHelloMismatch:
		return "hello_mismatch"
	case RefusedByPeer:
		return "refused_by_peer"
	case RefusedHandshakeFailed:
		return "handshake_failed"
	}
	return "unknown"
}

// ErrRefused is wrapped by every error that reports a refused connection,
// in a [Refusal] and in the [PeerFailed] of a dial that was refused.
var ErrRefused = errors.New("overlay: connection refused")

// Refusal describes one refused connection, for the runtime to log. The
// transport counts it in [Stats.Refused] as well.
type Refusal struct {
	// Addr is the peer's network address.
	Addr net.Addr
	// Node is the node name the peer claimed or was dialed as, when known.
	Node NodeID
	// Inbound is true for a connection the peer dialed.
	Inbound bool
	Reason  RefusalReason
	// Err wraps [ErrRefused] and the cause.
	Err error
}

// newRefusal builds a Refusal whose Err wraps ErrRefused and cause.
func newRefusal(addr net.Addr, node NodeID, inbound bool, reason RefusalReason, cause error) Refusal {
	dir := "to"
	if inbound {
		dir = "from"
	}
	who := addr.String()
	if node != "" {
		who = fmt.Sprintf("%s (%s)", node, addr)
	}
	return Refusal{
		Addr: addr, Node: node, Inbound: inbound, Reason: reason,
		Err: fmt.Errorf("%w: %s %s: %s: %w", ErrRefused, dir, who, reason, cause),
	}
}

// certRefusalReason classifies an error of [Identity.verifyChain].
func certRefusalReason(err error) RefusalReason {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.Is(err, errNoCertificate):
		return RefusedNoCertificate
	case errors.As(err, &unknown):
		return RefusedUnknownAuthority
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return RefusedExpired
	}
	return RefusedInvalidCertificate
}

// handshakeRefusalReason classifies the error that ended a handshake this
// node did not refuse itself.
func handshakeRefusalReason(err error) RefusalReason {
	var te *quic.TransportError
	if errors.As(err, &te) && te.Remote &&
		(te.ErrorCode == quic.ConnectionRefused || te.ErrorCode.IsCryptoError()) {
		return RefusedByPeer
	}
	return RefusedHandshakeFailed
}
