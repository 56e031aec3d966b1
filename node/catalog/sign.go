package catalog

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"

	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// ErrBadSignature reports a record whose owner part is not signed, or not
// signed by the key it carries.
var ErrBadSignature = errors.New("catalog: bad record signature")

// signingContext prefixes the signed bytes, so that a record signature can
// never pass for a signature of anything else made with the same key.
const signingContext = "overlayd record owner part v1\x00"

// signedOwnerPart is what a member signs: its owner part and its key,
// encoded as deterministic CBOR with the wire's omitempty rules, so that a
// record signed before it is sent verifies after it is decoded. The
// liveness part is not signed: a suspect or dead verdict is another node's
// assertion about the incarnation the member signed (see node.Core).
type signedOwnerPart struct {
	ID               overlay.NodeID      `cbor:"1,keyasint,omitempty"`
	Addr             string              `cbor:"2,keyasint,omitempty"`
	Datacenter       string              `cbor:"3,keyasint,omitempty"`
	OwnerIncarnation uint64              `cbor:"4,keyasint,omitempty"`
	Version          uint64              `cbor:"5,keyasint,omitempty"`
	Left             bool                `cbor:"6,keyasint,omitempty"`
	Coordinate       *vivaldi.Coordinate `cbor:"7,keyasint,omitempty"`
	Services         []Service           `cbor:"8,keyasint,omitempty"`
	Key              []byte              `cbor:"9,keyasint,omitempty"`
}

var signEncoding = func() cbor.EncMode {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err) // fixed options: a bug, caught by any test
	}
	return em
}()

// signedBytes returns the bytes r's signature covers.
func (r *Record) signedBytes() ([]byte, error) {
	b, err := signEncoding.Marshal(signedOwnerPart{
		ID: r.Member.ID, Addr: r.Member.Addr, Datacenter: r.Datacenter,
		OwnerIncarnation: r.OwnerIncarnation, Version: r.Version, Left: r.Left,
		Coordinate: r.Coordinate, Services: r.Services, Key: r.Key,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: encoding the owner part: %w", ErrBadSignature, err)
	}
	return append([]byte(signingContext), b...), nil
}

// Sign sets r.Key to key's public key and r.Signature to key's signature
// of r's owner part. Ed25519 signatures are deterministic: the same record
// and key give the same signature, so signing uses no randomness.
func (r *Record) Sign(key ed25519.PrivateKey) error {
	if len(key) != ed25519.PrivateKeySize {
		return fmt.Errorf("%w: private key of %d bytes", ErrBadSignature, len(key))
	}
	r.Key = bytes.Clone(key.Public().(ed25519.PublicKey))
	b, err := r.signedBytes()
	if err != nil {
		return err
	}
	r.Signature = ed25519.Sign(key, b)
	return nil
}

// VerifySignature checks that r's owner part is signed by the key r
// carries. Whether that key may speak for the member is the caller's
// question.
func (r *Record) VerifySignature() error {
	if len(r.Key) != ed25519.PublicKeySize || len(r.Signature) != ed25519.SignatureSize {
		return fmt.Errorf("%w: key of %d bytes, signature of %d", ErrBadSignature, len(r.Key), len(r.Signature))
	}
	b, err := r.signedBytes()
	if err != nil {
		return err
	}
	if !ed25519.Verify(ed25519.PublicKey(r.Key), b, r.Signature) {
		return fmt.Errorf("%w: member %.64q", ErrBadSignature, r.Member.ID)
	}
	return nil
}

// SameOwnerPart reports whether a and b hold identical owner parts,
// signatures included: a record whose owner part is one already verified
// needs no second verification.
func SameOwnerPart(a, b *Record) bool { return cmpOwner(a, b) == 0 }
