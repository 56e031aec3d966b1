package overlay

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// ErrInvalidPEM reports a PEM file that does not hold exactly what it
// should: one certificate, or one private key.
var ErrInvalidPEM = errors.New("overlay: invalid PEM")

// PEM block types.
const (
	pemCertificate = "CERTIFICATE"
	pemPKCS8Key    = "PRIVATE KEY"
	pemECKey       = "EC PRIVATE KEY"
	pemRSAKey      = "RSA PRIVATE KEY"
)

// Permissions of the files that WriteFiles creates: certificates are
// public, keys are for the owner alone.
const (
	certFileMode = 0o644
	keyFileMode  = 0o600
)

// CertPEM returns the CA certificate as a PEM block.
func (ca *CA) CertPEM() []byte { return encodeCertPEM(ca.Cert) }

// KeyPEM returns the CA key as a PKCS #8 PEM block.
func (ca *CA) KeyPEM() ([]byte, error) { return encodeKeyPEM(ca.Key) }

// WriteFiles writes the CA certificate and key as PEM files, the key
// readable by its owner only. Each file is written atomically, and neither
// may exist already: overwriting a CA by mistake would strand every node
// certificate it signed.
func (ca *CA) WriteFiles(certPath, keyPath string) error {
	return writeCertAndKey(certPath, keyPath, ca.CertPEM(), ca.Key)
}

// CertPEM returns the node certificate as a PEM block.
func (c *NodeCert) CertPEM() []byte { return encodeCertPEM(c.Cert) }

// KeyPEM returns the node key as a PKCS #8 PEM block.
func (c *NodeCert) KeyPEM() ([]byte, error) { return encodeKeyPEM(c.Key) }

// WriteFiles writes the node certificate and key as PEM files, like
// [CA.WriteFiles].
func (c *NodeCert) WriteFiles(certPath, keyPath string) error {
	return writeCertAndKey(certPath, keyPath, c.CertPEM(), c.Key)
}

// ParseCA decodes a CA certificate and its key, as [CA.WriteFiles] writes
// them, and checks that they belong together.
func ParseCA(certPEM, keyPEM []byte) (*CA, error) {
	cert, err := parseCertPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("%w: %q is not a CA certificate", ErrInvalidIdentity, cert.Subject.CommonName)
	}
	key, err := parseKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("CA key: %w", err)
	}
	if !publicKeysEqual(cert.PublicKey, key.Public()) {
		return nil, fmt.Errorf("%w: the key does not belong to the CA certificate %q", ErrInvalidIdentity, cert.Subject.CommonName)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// LoadCA reads a CA certificate and key from PEM files.
func LoadCA(certPath, keyPath string) (*CA, error) {
	certPEM, keyPEM, err := readPair(certPath, keyPath)
	if err != nil {
		return nil, err
	}
	ca, err := ParseCA(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("overlay: CA from %s and %s: %w", certPath, keyPath, err)
	}
	return ca, nil
}

// ParseIdentity decodes the cluster CA certificates, a node certificate
// and its key, each a PEM file's contents, and checks them as
// [NewIdentityTrusting] does. caPEM holds one CA certificate, or several
// while the cluster rotates its CA.
func ParseIdentity(caPEM, certPEM, keyPEM []byte) (*Identity, error) {
	cas, err := parseCertBundlePEM(caPEM)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	cert, err := parseCertPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("node certificate: %w", err)
	}
	key, err := parseKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("node key: %w", err)
	}
	return NewIdentityTrusting(cas, &NodeCert{Cert: cert, Key: key})
}

// maxBundleCerts bounds the CA certificates of a CA file: a rotation needs
// two.
const maxBundleCerts = 8

// parseCertBundlePEM decodes one or more CERTIFICATE blocks, separated by
// whitespace only.
func parseCertBundlePEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := data; len(bytes.TrimSpace(rest)) > 0; {
		if len(certs) == maxBundleCerts {
			return nil, fmt.Errorf("%w: more than %d certificates", ErrInvalidPEM, maxBundleCerts)
		}
		block, next := pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("%w: data that is not a PEM block", ErrInvalidPEM)
		}
		// Each block is then parsed alone, by the same rules as one file.
		cert, err := parseCertPEM(rest[:len(rest)-len(next)])
		if err != nil {
			return nil, err
		}
		certs = append(certs, cert)
		rest = next
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: no PEM block", ErrInvalidPEM)
	}
	return certs, nil
}

// LoadIdentity reads the cluster CA certificate, the node certificate and
// its key from PEM files, as `overlayd agent` does at startup.
func LoadIdentity(caPath, certPath, keyPath string) (*Identity, error) {
	caPEM, err := os.ReadFile(caPath)
	if err != nil {
		return nil, fmt.Errorf("overlay: read CA certificate: %w", err)
	}
	certPEM, keyPEM, err := readPair(certPath, keyPath)
	if err != nil {
		return nil, err
	}
	id, err := ParseIdentity(caPEM, certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("overlay: identity from %s, %s and %s: %w", caPath, certPath, keyPath, err)
	}
	return id, nil
}

func readPair(certPath, keyPath string) (certPEM, keyPEM []byte, err error) {
	certPEM, err = os.ReadFile(certPath)
	if err != nil {
		return nil, nil, fmt.Errorf("overlay: read certificate: %w", err)
	}
	keyPEM, err = os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, fmt.Errorf("overlay: read key: %w", err)
	}
	return certPEM, keyPEM, nil
}

func writeCertAndKey(certPath, keyPath string, certPEM []byte, key crypto.Signer) error {
	keyPEM, err := encodeKeyPEM(key)
	if err != nil {
		return err
	}
	for _, path := range []string{certPath, keyPath} {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("overlay: %s: %w", path, os.ErrExist)
		}
	}
	if err := writeNewFile(keyPath, keyPEM, keyFileMode); err != nil {
		return err
	}
	if err := writeNewFile(certPath, certPEM, certFileMode); err != nil {
		return errors.Join(err, os.Remove(keyPath))
	}
	return nil
}

func encodeCertPEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: cert.Raw})
}

func encodeKeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("overlay: encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPKCS8Key, Bytes: der}), nil
}

// onePEMBlock returns the single PEM block in data, which may be surrounded
// by whitespace but nothing else.
func onePEMBlock(data []byte) (*pem.Block, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrInvalidPEM)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: data after the %s block", ErrInvalidPEM, block.Type)
	}
	if len(block.Headers) != 0 {
		return nil, fmt.Errorf("%w: %s block has headers (encrypted keys are not supported)", ErrInvalidPEM, block.Type)
	}
	return block, nil
}

func parseCertPEM(data []byte) (*x509.Certificate, error) {
	block, err := onePEMBlock(data)
	if err != nil {
		return nil, err
	}
	if block.Type != pemCertificate {
		return nil, fmt.Errorf("%w: %s block, want %s", ErrInvalidPEM, block.Type, pemCertificate)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPEM, err)
	}
	return cert, nil
}

// parseKeyPEM accepts a PKCS #8 key, as this package writes, and the SEC 1
// and PKCS #1 forms that other tools write.
func parseKeyPEM(data []byte) (crypto.Signer, error) {
	block, err := onePEMBlock(data)
	if err != nil {
		return nil, err
	}
	var key any
	switch block.Type {
	case pemPKCS8Key:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case pemECKey:
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case pemRSAKey:
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: %s block, want %s", ErrInvalidPEM, block.Type, pemPKCS8Key)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPEM, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: a %T key cannot sign", ErrInvalidPEM, key)
	}
	return signer, nil
}
