package overlay

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func newRecordKey(tb testing.TB, seed byte) ed25519.PublicKey {
	tb.Helper()
	s := make([]byte, ed25519.SeedSize)
	s[0] = seed
	return ed25519.NewKeyFromSeed(s).Public().(ed25519.PublicKey)
}

func TestRecordKeyBindingVerifiesUnderTheCA(t *testing.T) {
	ca := newTestCA(t)
	owner, err := ca.Identity("web-1", CertOptions{})
	require.NoError(t, err)
	stranger, err := ca.Identity("db-1", CertOptions{})
	require.NoError(t, err)

	b, err := owner.BindRecordKey(newRecordKey(t, 1))
	require.NoError(t, err)
	require.Equal(t, NodeID("web-1"), b.Node)
	require.NoError(t, stranger.VerifyRecordKeyBinding(b, time.Now()),
		"a node that never connected to web-1 checks its binding with the CA alone")
	require.Less(t, len(b.Cert)+len(b.Signature), 1024, "a binding costs about a certificate")
}

func TestRecordKeyBindingRefusesWhatTheCADidNotBind(t *testing.T) {
	ca := newTestCA(t)
	verifier, err := ca.Identity("db-1", CertOptions{})
	require.NoError(t, err)
	insider, err := ca.Identity("evil-1", CertOptions{})
	require.NoError(t, err)
	outsider, err := newTestCA(t).Identity("web-1", CertOptions{})
	require.NoError(t, err)
	short, err := ca.Identity("web-2", CertOptions{ValidFor: time.Hour})
	require.NoError(t, err)

	bind := func(id *Identity, seed byte) RecordKeyBinding {
		b, err := id.BindRecordKey(newRecordKey(t, seed))
		require.NoError(t, err)
		return b
	}
	tests := map[string]struct {
		b   RecordKeyBinding
		now time.Time
	}{
		"an insider's certificate claiming another name": {func() RecordKeyBinding {
			b := bind(insider, 1)
			b.Node = "web-1"
			return b
		}(), time.Now()},
		"an insider's signature with another node's certificate": {func() RecordKeyBinding {
			b := bind(insider, 1)
			b.Node, b.Cert = "web-2", short.Certificate().Raw
			return b
		}(), time.Now()},
		"a key swapped after signing": {func() RecordKeyBinding {
			b := bind(short, 1)
			b.Key = newRecordKey(t, 2)
			return b
		}(), time.Now()},
		"a certificate of another CA":   {bind(outsider, 1), time.Now()},
		"an expired certificate":        {bind(short, 1), time.Now().Add(2 * time.Hour)},
		"no certificate":                {RecordKeyBinding{Node: "web-1", Key: newRecordKey(t, 1)}, time.Now()},
		"a certificate that is garbage": {RecordKeyBinding{Node: "web-1", Key: newRecordKey(t, 1), Cert: []byte{0x30, 0x03, 1, 2, 3}}, time.Now()},
		"a short key": {func() RecordKeyBinding {
			b := bind(short, 1)
			b.Key = b.Key[:31]
			return b
		}(), time.Now()},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			require.ErrorIs(t, verifier.VerifyRecordKeyBinding(tt.b, tt.now), ErrBadRecordKeyBinding)
		})
	}
}

func FuzzVerifyRecordKeyBinding(f *testing.F) {
	ca := newTestCA(f)
	owner, err := ca.Identity("web-1", CertOptions{})
	require.NoError(f, err)
	b, err := owner.BindRecordKey(newRecordKey(f, 1))
	require.NoError(f, err)
	f.Add(string(b.Node), b.Key, b.Cert, b.Signature)
	f.Add("web-2", b.Key, b.Cert, b.Signature)
	f.Add("web-1", b.Key, b.Cert[:len(b.Cert)/2], b.Signature)
	now := time.Now()
	f.Fuzz(func(t *testing.T, node string, key, cert, sig []byte) {
		got := RecordKeyBinding{Node: NodeID(node), Key: key, Cert: cert, Signature: sig}
		if err := owner.VerifyRecordKeyBinding(got, now); err != nil {
			require.ErrorIs(t, err, ErrBadRecordKeyBinding)
			return
		}
		// Only the owner's certificate, name and key verify: its signature
		// of them is the only one the fuzzer can have.
		require.Equal(t, b.Node, got.Node)
		require.Equal(t, b.Key, got.Key)
	})
}

// BenchmarkVerifyRecordKeyBinding is what a receiver spends once per
// member it takes a record of, and on each forged binding it is sent.
func BenchmarkVerifyRecordKeyBinding(b *testing.B) {
	ca := newTestCA(b)
	owner, err := ca.Identity("web-1", CertOptions{})
	require.NoError(b, err)
	verifier, err := ca.Identity("db-1", CertOptions{})
	require.NoError(b, err)
	valid, err := owner.BindRecordKey(newRecordKey(b, 1))
	require.NoError(b, err)
	renamed := valid
	renamed.Node = "web-2"
	forgedSig := valid
	forgedSig.Key = newRecordKey(b, 2)
	now := time.Now()
	for name, bnd := range map[string]RecordKeyBinding{"valid": valid, "renamed": renamed, "bad signature": forgedSig} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				_ = verifier.VerifyRecordKeyBinding(bnd, now)
			}
		})
	}
}
