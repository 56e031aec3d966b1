package overlay

import (
	"errors"
	"fmt"
)

// NodeID names a node uniquely within a cluster. It is the node name that
// the node's TLS certificate binds, so a peer cannot claim another's ID.
type NodeID string

// MaxNodeIDLen bounds a node ID in bytes, like a DNS label sequence.
const MaxNodeIDLen = 128

// MaxAddrLen bounds a peer address in bytes (host:port or a simulator name).
const MaxAddrLen = 256

// ErrInvalidPeer reports a peer whose ID or address is empty or too long.
var ErrInvalidPeer = errors.New("overlay: invalid peer")

// Peer is a node's identity together with the address it can be reached at.
// The address is opaque to the protocols: host:port for QUIC, any unique
// string in the simulator.
type Peer struct {
	ID   NodeID `cbor:"1,keyasint"`
	Addr string `cbor:"2,keyasint,omitempty"`
}

// Validate reports whether p can be used as a protocol participant.
func (p Peer) Validate() error {
	switch {
	case p.ID == "":
		return fmt.Errorf("%w: empty node ID", ErrInvalidPeer)
	case len(p.ID) > MaxNodeIDLen:
		return fmt.Errorf("%w: node ID of %d bytes exceeds %d", ErrInvalidPeer, len(p.ID), MaxNodeIDLen)
	case len(p.Addr) > MaxAddrLen:
		return fmt.Errorf("%w: address of %d bytes exceeds %d", ErrInvalidPeer, len(p.Addr), MaxAddrLen)
	}
	return nil
}

// String returns "id@addr", or the ID alone when the address is unknown.
func (p Peer) String() string {
	if p.Addr == "" {
		return string(p.ID)
	}
	return string(p.ID) + "@" + p.Addr
}
