package overlay

import (
	"bytes"
	"crypto/x509"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestCA(tb testing.TB) *CA {
	tb.Helper()
	ca, err := NewThrowawayCA()
	require.NoError(tb, err)
	return ca
}

func TestIssuedCertificateBindsTheNodeName(t *testing.T) {
	ca := newTestCA(t)
	for _, name := range []NodeID{"web-1", "db.dc1.example", "odd name/with:chars%", "ünïcode"} {
		t.Run(string(name), func(t *testing.T) {
			id, err := ca.Identity(name, CertOptions{})
			require.NoError(t, err)
			assert.Equal(t, name, id.Name())
			got, err := NodeNameOf(id.Certificate())
			require.NoError(t, err)
			assert.Equal(t, name, got)
			assert.Equal(t, string(name), id.Certificate().Subject.CommonName)
			assert.Contains(t, id.Certificate().ExtKeyUsage, x509.ExtKeyUsageServerAuth)
			assert.Contains(t, id.Certificate().ExtKeyUsage, x509.ExtKeyUsageClientAuth)
		})
	}
}

func TestNodeNameOfRejectsMissingOrAmbiguousBindings(t *testing.T) {
	uri := func(s string) *url.URL {
		u, err := url.Parse(s)
		require.NoError(t, err)
		return u
	}
	tests := []struct {
		name string
		uris []*url.URL
	}{
		{"no URI", nil},
		{"other scheme only", []*url.URL{uri("spiffe://cluster/node/a")}},
		{"two names", []*url.URL{uri("overlayd:node:a"), uri("overlayd:node:b")}},
		{"wrong kind", []*url.URL{uri("overlayd:service:a")}},
		{"empty name", []*url.URL{uri("overlayd:node:")}},
		{"bad escape", []*url.URL{{Scheme: "overlayd", Opaque: "node:%zz"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NodeNameOf(&x509.Certificate{URIs: tt.uris})
			require.ErrorIs(t, err, ErrNoNodeName)
		})
	}
}

func TestCAAndIssueRejectBadOptions(t *testing.T) {
	_, err := NewCA("", CertOptions{})
	require.ErrorIs(t, err, ErrInvalidCertOptions)
	_, err = NewCA("ca", CertOptions{ValidFor: -time.Hour})
	require.ErrorIs(t, err, ErrInvalidCertOptions)
	ca := newTestCA(t)
	_, err = ca.Issue("", CertOptions{})
	require.ErrorIs(t, err, ErrInvalidCertOptions)
	_, err = ca.Issue(NodeID(make([]byte, MaxNodeIDLen+1)), CertOptions{})
	require.ErrorIs(t, err, ErrInvalidCertOptions)
}

func TestNewIdentityRejectsWhatCannotServe(t *testing.T) {
	ca, other := newTestCA(t), newTestCA(t)
	good, err := ca.Issue("a", CertOptions{})
	require.NoError(t, err)
	foreign, err := other.Issue("a", CertOptions{})
	require.NoError(t, err)
	expired, err := ca.Issue("a", CertOptions{NotBefore: time.Now().Add(-2 * time.Hour), ValidFor: time.Hour})
	require.NoError(t, err)

	tests := []struct {
		name string
		ca   *x509.Certificate
		nc   *NodeCert
	}{
		{"another CA", ca.Cert, foreign},
		{"expired", ca.Cert, expired},
		{"key of another certificate", ca.Cert, &NodeCert{Cert: good.Cert, Key: foreign.Key}},
		{"node certificate as CA", good.Cert, good},
		{"name differs from the certificate", ca.Cert, &NodeCert{Name: "b", Cert: good.Cert, Key: good.Key}},
		{"nothing", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewIdentity(tt.ca, tt.nc)
			require.ErrorIs(t, err, ErrInvalidIdentity)
		})
	}
}

func TestWriteAndLoadIdentityFiles(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	ca := newTestCA(t)
	require.NoError(t, ca.WriteFiles(path("ca.pem"), path("ca-key.pem")))
	loadedCA, err := LoadCA(path("ca.pem"), path("ca-key.pem"))
	require.NoError(t, err)
	assert.True(t, loadedCA.Cert.Equal(ca.Cert))

	nc, err := loadedCA.Issue("node-1", CertOptions{})
	require.NoError(t, err)
	require.NoError(t, nc.WriteFiles(path("node-1.pem"), path("node-1-key.pem")))
	id, err := LoadIdentity(path("ca.pem"), path("node-1.pem"), path("node-1-key.pem"))
	require.NoError(t, err)
	assert.Equal(t, NodeID("node-1"), id.Name())
	assert.True(t, id.CA().Equal(ca.Cert))

	for name, want := range map[string]os.FileMode{"ca.pem": 0o644, "ca-key.pem": 0o600, "node-1.pem": 0o644, "node-1-key.pem": 0o600} {
		info, err := os.Stat(path(name))
		require.NoError(t, err)
		assert.Equal(t, want, info.Mode().Perm(), name)
	}
	leftovers, err := filepath.Glob(path(".*tmp*"))
	require.NoError(t, err)
	assert.Empty(t, leftovers, "no temporary file is left behind")
}

func TestWriteFilesRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	first := newTestCA(t)
	require.NoError(t, first.WriteFiles(certPath, keyPath))
	err := newTestCA(t).WriteFiles(certPath, keyPath)
	require.ErrorIs(t, err, os.ErrExist)
	loaded, err := LoadCA(certPath, keyPath)
	require.NoError(t, err)
	assert.True(t, loaded.Cert.Equal(first.Cert), "the first CA is intact")

	// A key file alone in the way also stops the write, and leaves no
	// certificate behind.
	require.NoError(t, os.Remove(certPath))
	require.ErrorIs(t, newTestCA(t).WriteFiles(certPath, keyPath), os.ErrExist)
	assert.NoFileExists(t, certPath)
}

func TestLoadIdentityReportsBadFiles(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	ca := newTestCA(t)
	require.NoError(t, ca.WriteFiles(path("ca.pem"), path("ca-key.pem")))
	nc, err := ca.Issue("n", CertOptions{})
	require.NoError(t, err)
	require.NoError(t, nc.WriteFiles(path("n.pem"), path("n-key.pem")))
	require.NoError(t, os.WriteFile(path("garbage.pem"), []byte("not PEM at all\n"), 0o600))

	_, err = LoadIdentity(path("missing.pem"), path("n.pem"), path("n-key.pem"))
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = LoadIdentity(path("ca.pem"), path("garbage.pem"), path("n-key.pem"))
	require.ErrorIs(t, err, ErrInvalidPEM)
	_, err = LoadIdentity(path("ca.pem"), path("n.pem"), path("ca-key.pem"))
	require.ErrorIs(t, err, ErrInvalidIdentity, "the CA's key with the node's certificate")
	_, err = LoadIdentity(path("ca.pem"), path("n-key.pem"), path("n.pem"))
	require.ErrorIs(t, err, ErrInvalidPEM, "certificate and key swapped")
	_, err = LoadCA(path("n.pem"), path("n-key.pem"))
	require.ErrorIs(t, err, ErrInvalidIdentity, "a node certificate is no CA")
}

func TestParseRejectsExtraPEMContent(t *testing.T) {
	ca := newTestCA(t)
	nc, err := ca.Issue("n", CertOptions{})
	require.NoError(t, err)
	keyPEM, err := nc.KeyPEM()
	require.NoError(t, err)

	_, err = ParseIdentity(ca.CertPEM(), append(nc.CertPEM(), ca.CertPEM()...), keyPEM)
	require.ErrorIs(t, err, ErrInvalidPEM, "two certificates in one file")
	_, err = ParseIdentity(ca.CertPEM(), nc.CertPEM(), append(keyPEM, "trailing"...))
	require.ErrorIs(t, err, ErrInvalidPEM)
	id, err := ParseIdentity(append([]byte("\n"), ca.CertPEM()...), nc.CertPEM(), append(keyPEM, "\n\n"...))
	require.NoError(t, err, "whitespace around a block is fine")
	assert.Equal(t, NodeID("n"), id.Name())
}

func FuzzParseIdentity(f *testing.F) {
	ca := newTestCA(f)
	nc, err := ca.Issue("fuzz-node", CertOptions{})
	require.NoError(f, err)
	keyPEM, err := nc.KeyPEM()
	require.NoError(f, err)
	caKeyPEM, err := ca.KeyPEM()
	require.NoError(f, err)
	f.Add(ca.CertPEM(), nc.CertPEM(), keyPEM)
	f.Add(ca.CertPEM(), nc.CertPEM(), caKeyPEM)
	f.Add(nc.CertPEM(), ca.CertPEM(), keyPEM)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), nc.CertPEM(), []byte{})
	f.Fuzz(func(t *testing.T, caPEM, certPEM, keyPEM []byte) {
		id, err := ParseIdentity(caPEM, certPEM, keyPEM)
		if err != nil {
			require.Nil(t, id)
			return
		}
		require.NoError(t, (Peer{ID: id.Name()}).Validate())
		name, err := NodeNameOf(id.Certificate())
		require.NoError(t, err)
		require.Equal(t, id.Name(), name)
		again, err := ParseIdentity(encodeCertPEM(id.CA()), encodeCertPEM(id.Certificate()), keyPEM)
		require.NoError(t, err, "an identity re-encoded parses again")
		require.Equal(t, id.Name(), again.Name())
	})
}

func FuzzParseCA(f *testing.F) {
	ca := newTestCA(f)
	keyPEM, err := ca.KeyPEM()
	require.NoError(f, err)
	f.Add(ca.CertPEM(), keyPEM)
	f.Add(keyPEM, ca.CertPEM())
	f.Add(ca.CertPEM(), []byte("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, certPEM, keyPEM []byte) {
		got, err := ParseCA(certPEM, keyPEM)
		if err != nil {
			require.Nil(t, got)
			return
		}
		require.True(t, got.Cert.IsCA)
		require.True(t, publicKeysEqual(got.Cert.PublicKey, got.Key.Public()))
	})
}

// FuzzNodeNameOf feeds NodeNameOf the URIs a peer's certificate may hold;
// it reads them from certificates that have not been verified yet, to name
// the peer in a refusal.
func FuzzNodeNameOf(f *testing.F) {
	f.Add("overlayd:node:web-1", "")
	f.Add("overlayd:node:a%2Fb", "overlayd:node:c")
	f.Add("overlayd://node/x", "spiffe://c/n")
	f.Add("overlayd:node:%zz", "")
	f.Fuzz(func(t *testing.T, first, second string) {
		var uris []*url.URL
		for _, s := range []string{first, second} {
			if u, err := url.Parse(s); err == nil && s != "" {
				uris = append(uris, u)
			}
		}
		name, err := NodeNameOf(&x509.Certificate{URIs: uris})
		if err != nil {
			require.ErrorIs(t, err, ErrNoNodeName)
			return
		}
		require.NoError(t, (Peer{ID: name}).Validate())
		again, err := NodeNameOf(&x509.Certificate{URIs: []*url.URL{nodeURI(name)}})
		require.NoError(t, err)
		require.Equal(t, name, again)
	})
}

// TestCABundleTrustsEveryCAInIt is the middle of a CA rotation: a node
// whose CA file holds the old and the new CA accepts peers of both, while
// a node that trusts only the new CA refuses the old one's.
func TestCABundleTrustsEveryCAInIt(t *testing.T) {
	oldCA, newCA := newTestCA(t), newTestCA(t)
	issue := func(ca *CA, name NodeID) *NodeCert {
		nc, err := ca.Issue(name, CertOptions{})
		require.NoError(t, err)
		return nc
	}
	nc := issue(newCA, "rotating")
	keyPEM, err := nc.KeyPEM()
	require.NoError(t, err)
	bundle := append(append(oldCA.CertPEM(), '\n'), newCA.CertPEM()...)
	both, err := ParseIdentity(bundle, nc.CertPEM(), keyPEM)
	require.NoError(t, err)
	assert.Equal(t, oldCA.Cert, both.CA(), "the first CA of the file")
	newOnly, err := ParseIdentity(newCA.CertPEM(), nc.CertPEM(), keyPEM)
	require.NoError(t, err)

	now := time.Now()
	for _, peer := range []*NodeCert{issue(oldCA, "old-peer"), issue(newCA, "new-peer")} {
		_, err := both.verifyChain([]*x509.Certificate{peer.Cert}, x509.ExtKeyUsageClientAuth, now)
		assert.NoError(t, err, "%s under the bundle", peer.Name)
	}
	_, err = newOnly.verifyChain([]*x509.Certificate{issue(oldCA, "old-peer").Cert}, x509.ExtKeyUsageClientAuth, now)
	assert.Error(t, err, "the old CA is no longer trusted")

	many := bytes.Repeat(append(newCA.CertPEM(), '\n'), maxBundleCerts+1)
	_, err = ParseIdentity(many, nc.CertPEM(), keyPEM)
	assert.ErrorIs(t, err, ErrInvalidPEM, "a bounded bundle")
	_, err = ParseIdentity(append(bundle, "junk"...), nc.CertPEM(), keyPEM)
	assert.ErrorIs(t, err, ErrInvalidPEM, "nothing but certificates")
	_, err = ParseIdentity(append(bundle, nc.CertPEM()...), nc.CertPEM(), keyPEM)
	assert.ErrorIs(t, err, ErrInvalidIdentity, "only CA certificates")
}
