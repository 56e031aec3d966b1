package overlay

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// ErrInvalidIdentity reports a CA, certificate and key that do not make a
// usable node identity.
var ErrInvalidIdentity = errors.New("overlay: invalid identity")

// errNoCertificate reports a peer that presented no certificate.
var errNoCertificate = errors.New("no certificate presented")

// Identity is what a node proves and trusts on every connection: its own
// certificate and key, which bind its node name, and the cluster CA that
// every peer's certificate must chain to. An Identity is immutable and safe
// to share.
type Identity struct {
	name  NodeID
	cert  tls.Certificate
	ca    *x509.Certificate
	roots *x509.CertPool
}

// NewIdentity checks that nc is valid now, chains to ca, binds a node name
// and may serve as both a TLS client and a TLS server certificate, and
// returns the identity they make.
func NewIdentity(ca *x509.Certificate, nc *NodeCert) (*Identity, error) {
	return NewIdentityTrusting([]*x509.Certificate{ca}, nc)
}

// NewIdentityTrusting is [NewIdentity] trusting several CAs, as a cluster
// does while it rotates its CA (SECURITY.md): a peer's certificate, and
// nc, must chain to one of them. [Identity.CA] returns the first.
func NewIdentityTrusting(cas []*x509.Certificate, nc *NodeCert) (*Identity, error) {
	if len(cas) == 0 || nc == nil || nc.Cert == nil || nc.Key == nil {
		return nil, fmt.Errorf("%w: missing CA, certificate or key", ErrInvalidIdentity)
	}
	roots := x509.NewCertPool()
	for _, ca := range cas {
		if ca == nil {
			return nil, fmt.Errorf("%w: missing CA", ErrInvalidIdentity)
		}
		if !ca.IsCA {
			return nil, fmt.Errorf("%w: %q is not a CA certificate", ErrInvalidIdentity, ca.Subject.CommonName)
		}
		roots.AddCert(ca)
	}
	if !publicKeysEqual(nc.Cert.PublicKey, nc.Key.Public()) {
		return nil, fmt.Errorf("%w: the key does not belong to the certificate of %q", ErrInvalidIdentity, nc.Cert.Subject.CommonName)
	}
	id := &Identity{ca: cas[0], roots: roots, cert: nc.TLSCertificate()}
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		name, err := id.verifyChain([]*x509.Certificate{nc.Cert}, usage, time.Now())
		if err != nil {
			return nil, fmt.Errorf("%w: own certificate: %w", ErrInvalidIdentity, err)
		}
		id.name = name
	}
	if nc.Name != "" && nc.Name != id.name {
		return nil, fmt.Errorf("%w: certificate binds %q, not %q", ErrInvalidIdentity, id.name, nc.Name)
	}
	return id, nil
}

// Name returns the node name that the identity's certificate binds.
func (id *Identity) Name() NodeID { return id.name }

// Certificate returns the node's own certificate.
func (id *Identity) Certificate() *x509.Certificate { return id.cert.Leaf }

// CA returns the cluster CA certificate the identity trusts: the first,
// if it trusts several.
func (id *Identity) CA() *x509.Certificate { return id.ca }

// verifyChain checks that certs, as a peer presented them (leaf first),
// chain to the cluster CA, are valid at now and allow usage, and returns the
// node name the leaf binds. Its errors wrap the x509 error, or
// [ErrNoNodeName], so that [certRefusalReason] can tell them apart.
func (id *Identity) verifyChain(certs []*x509.Certificate, usage x509.ExtKeyUsage, now time.Time) (NodeID, error) {
	if len(certs) == 0 {
		return "", errNoCertificate
	}
	intermediates := x509.NewCertPool()
	for _, c := range certs[1:] {
		intermediates.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{
		Roots:         id.roots,
		Intermediates: intermediates,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{usage},
	})
	if err != nil {
		return "", fmt.Errorf("certificate of %q: %w", certs[0].Subject.CommonName, err)
	}
	return NodeNameOf(certs[0])
}

// publicKeysEqual reports whether two public keys are the same key.
func publicKeysEqual(a, b any) bool {
	da, errA := x509.MarshalPKIXPublicKey(a)
	db, errB := x509.MarshalPKIXPublicKey(b)
	return errA == nil && errB == nil && bytes.Equal(da, db)
}
