package overlay

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// ErrBadRecordKeyBinding reports a [RecordKeyBinding] that does not bind
// its key to its node through a CA the identity trusts.
var ErrBadRecordKeyBinding = errors.New("overlay: bad record key binding")

// maxBindingCertBytes bounds the certificate a binding carries before it
// is parsed. A node certificate of [CA.Issue] is about 500 bytes.
const maxBindingCertBytes = 8 << 10

// bindingContext prefixes what a binding's signature covers, so that it
// can never pass for a signature of anything else made with the TLS key.
const bindingContext = "overlayd record key binding v1\x00"

// RecordKeyBinding ties a node's record key (the Ed25519 key it signs its
// catalog records with) to its node name through the cluster CA: the
// node's certificate, which the CA signed for that name, and the
// certificate key's signature of the name and the record key. Anyone who
// trusts the CA can check it without ever connecting to the node, so it
// travels with the node's records to nodes that have not yet bound its key.
type RecordKeyBinding struct {
	Node NodeID `cbor:"1,keyasint,omitempty"`
	// Key is the Ed25519 public record key.
	Key []byte `cbor:"2,keyasint,omitempty"`
	// Cert is the node's certificate, DER.
	Cert []byte `cbor:"3,keyasint,omitempty"`
	// Signature is the certificate key's signature of Key and Node (see
	// bindingMessage).
	Signature []byte `cbor:"4,keyasint,omitempty"`
}

// bindingMessage returns the bytes a binding's signature covers: the
// context, the key and the name. A record key is always 32 bytes, so the
// name is the rest, and no two bindings sign the same bytes.
func bindingMessage(node NodeID, key []byte) []byte {
	m := append([]byte(bindingContext), key...)
	return append(m, node...)
}

// BindRecordKey returns the binding of key to this identity's node name,
// signed with its certificate's key. The signature is randomised (ECDSA),
// so the agent makes it once at start, not the Core.
func (id *Identity) BindRecordKey(key ed25519.PublicKey) (RecordKeyBinding, error) {
	if len(key) != ed25519.PublicKeySize {
		return RecordKeyBinding{}, fmt.Errorf("%w: record key of %d bytes", ErrBadRecordKeyBinding, len(key))
	}
	signer, ok := id.cert.PrivateKey.(crypto.Signer)
	if !ok {
		return RecordKeyBinding{}, fmt.Errorf("%w: the certificate key cannot sign", ErrBadRecordKeyBinding)
	}
	msg := bindingMessage(id.name, key)
	var sig []byte
	var err error
	if _, isEd := signer.Public().(ed25519.PublicKey); isEd {
		sig, err = signer.Sign(rand.Reader, msg, crypto.Hash(0))
	} else {
		digest := sha256.Sum256(msg)
		sig, err = signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	}
	if err != nil {
		return RecordKeyBinding{}, fmt.Errorf("%w: sign: %w", ErrBadRecordKeyBinding, err)
	}
	b := RecordKeyBinding{Node: id.name, Key: append([]byte(nil), key...), Cert: id.cert.Leaf.Raw, Signature: sig}
	return b, nil
}

// VerifyRecordKeyBinding checks that b's certificate chains, at now, to a
// CA this identity trusts, that it binds b.Node, and that its key signed
// b.Node and b.Key. Its errors wrap [ErrBadRecordKeyBinding].
func (id *Identity) VerifyRecordKeyBinding(b RecordKeyBinding, now time.Time) error {
	if len(b.Key) != ed25519.PublicKeySize || len(b.Cert) == 0 || len(b.Cert) > maxBindingCertBytes {
		return fmt.Errorf("%w: record key of %d bytes, certificate of %d", ErrBadRecordKeyBinding, len(b.Key), len(b.Cert))
	}
	cert, err := x509.ParseCertificate(b.Cert)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadRecordKeyBinding, err)
	}
	// The cheap checks first, the chain last: a receiver checks bindings
	// that any insider can send.
	if name, err := NodeNameOf(cert); err != nil || name != b.Node {
		return fmt.Errorf("%w: the certificate does not bind %.64q", ErrBadRecordKeyBinding, b.Node)
	}
	alg, ok := bindingAlgorithm(cert.PublicKey)
	if !ok {
		return fmt.Errorf("%w: certificate key of type %T", ErrBadRecordKeyBinding, cert.PublicKey)
	}
	if err := cert.CheckSignature(alg, bindingMessage(b.Node, b.Key), b.Signature); err != nil {
		return fmt.Errorf("%w: %.64q: %w", ErrBadRecordKeyBinding, b.Node, err)
	}
	if _, err := id.verifyChain([]*x509.Certificate{cert}, x509.ExtKeyUsageClientAuth, now); err != nil {
		return fmt.Errorf("%w: %w", ErrBadRecordKeyBinding, err)
	}
	return nil
}

// bindingAlgorithm is the signature algorithm BindRecordKey uses with a
// certificate key of pub's type.
func bindingAlgorithm(pub any) (x509.SignatureAlgorithm, bool) {
	switch pub.(type) {
	case *ecdsa.PublicKey:
		return x509.ECDSAWithSHA256, true
	case ed25519.PublicKey:
		return x509.PureEd25519, true
	case *rsa.PublicKey:
		return x509.SHA256WithRSA, true
	}
	return 0, false
}
