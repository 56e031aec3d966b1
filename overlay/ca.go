package overlay

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"time"
)

// ErrInvalidCertOptions reports [CertOptions] or a name that no certificate
// can be made from.
var ErrInvalidCertOptions = errors.New("overlay: invalid certificate options")

// Default validity periods, like those of `consul tls`: a CA that outlives
// the machines it vouches for, node certificates renewed yearly.
const (
	DefaultCAValidity   = 10 * 365 * 24 * time.Hour
	DefaultCertValidity = 365 * 24 * time.Hour
)

// clockSkew backdates certificates so that a peer whose clock is a little
// behind still accepts a certificate issued a moment ago.
const clockSkew = time.Minute

// CertOptions shape a certificate that [NewCA] or [CA.Issue] makes. The
// zero value gives the defaults.
type CertOptions struct {
	// NotBefore is when the certificate becomes valid. Zero means one
	// minute before now, to allow for clock skew between hosts.
	NotBefore time.Time
	// ValidFor is how long the certificate stays valid from NotBefore.
	// Zero means [DefaultCAValidity] for a CA, [DefaultCertValidity] for
	// a node certificate.
	ValidFor time.Duration
}

func (o CertOptions) window(defaultValidity time.Duration) (notBefore, notAfter time.Time, err error) {
	if o.ValidFor < 0 {
		return time.Time{}, time.Time{}, fmt.Errorf("%w: ValidFor %v is negative", ErrInvalidCertOptions, o.ValidFor)
	}
	SetDefault(&o.ValidFor, defaultValidity)
	notBefore = o.NotBefore
	if notBefore.IsZero() {
		notBefore = time.Now().Add(-clockSkew)
	}
	return notBefore, notBefore.Add(o.ValidFor), nil
}

// CA is a cluster certificate authority: every node certificate of a
// cluster is signed by its CA, and a node accepts connections only from
// peers whose certificates chain to it. It is what `overlayd tls ca create`
// makes.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA makes a cluster CA: a fresh ECDSA P-256 key and a self-signed
// certificate under commonName, which may sign node certificates but no
// other CA.
func NewCA(commonName string, opts CertOptions) (*CA, error) {
	if commonName == "" {
		return nil, fmt.Errorf("%w: empty CA common name", ErrInvalidCertOptions)
	}
	notBefore, notAfter, err := opts.window(DefaultCAValidity)
	if err != nil {
		return nil, err
	}
	template := &x509.Certificate{
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	cert, key, err := newCertificate(template, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("overlay: create CA: %w", err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// NodeCert is a node's certificate and key, signed by the cluster CA. It is
// what `overlayd tls cert create` makes.
type NodeCert struct {
	Name NodeID
	Cert *x509.Certificate
	Key  crypto.Signer
}

// Issue makes a certificate for the node called name, signed by ca, with a
// fresh ECDSA P-256 key. The certificate binds the name (see [NodeNameOf])
// and serves both as a TLS server and a TLS client certificate, since every
// node both accepts and dials.
func (ca *CA) Issue(name NodeID, opts CertOptions) (*NodeCert, error) {
	if err := (Peer{ID: name}).Validate(); err != nil {
		return nil, fmt.Errorf("%w: node name: %w", ErrInvalidCertOptions, err)
	}
	notBefore, notAfter, err := opts.window(DefaultCertValidity)
	if err != nil {
		return nil, err
	}
	template := &x509.Certificate{
		Subject:     pkix.Name{CommonName: string(name)},
		NotBefore:   notBefore,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		URIs:        []*url.URL{nodeURI(name)},
	}
	cert, key, err := newCertificate(template, ca.Cert, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("overlay: certificate for %q: %w", name, err)
	}
	return &NodeCert{Name: name, Cert: cert, Key: key}, nil
}

// Identity issues a certificate for name and returns it as an [Identity]
// that trusts ca: the one call a test or `overlayd dev` needs per node.
func (ca *CA) Identity(name NodeID, opts CertOptions) (*Identity, error) {
	nc, err := ca.Issue(name, opts)
	if err != nil {
		return nil, err
	}
	return NewIdentity(ca.Cert, nc)
}

// NewThrowawayCA makes a CA held in memory only, valid for a day, for
// `overlayd dev` and tests: nothing is written, and the cluster it vouches
// for dies with the process.
func NewThrowawayCA() (*CA, error) {
	return NewCA("overlayd throwaway CA", CertOptions{ValidFor: 24 * time.Hour})
}

// TLSCertificate returns c in the form crypto/tls presents.
func (c *NodeCert) TLSCertificate() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{c.Cert.Raw}, PrivateKey: c.Key, Leaf: c.Cert}
}

// newCertificate makes a fresh ECDSA P-256 key and a certificate for it
// from template, signed by parent with parentKey, or self-signed when
// parent is nil. It fills in the serial number and key identifiers.
func newCertificate(template, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	// A random positive serial of 128 bits, as RFC 5280 §4.1.2.2 allows
	// (at most 20 octets).
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, fmt.Errorf("generate serial number: %w", err)
	}
	template.SerialNumber = serial.Add(serial, big.NewInt(1))
	template.SubjectKeyId = keyID(key.Public())
	if parent == nil {
		parent, parentKey = template, key
	} else {
		template.AuthorityKeyId = parent.SubjectKeyId
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parent, key.Public(), parentKey)
	if err != nil {
		return nil, nil, fmt.Errorf("sign: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse: %w", err)
	}
	return cert, key, nil
}

// keyID derives a subject key identifier from a public key (RFC 7093 §2,
// method 1: the leftmost 160 bits of its SHA-256).
func keyID(pub crypto.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(der)
	return sum[:20]
}
