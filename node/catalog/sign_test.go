package catalog

import (
	"crypto/ed25519"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/vivaldi"
)

func testKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	s[0] = seed
	return ed25519.NewKeyFromSeed(s)
}

func signedRecord(t *testing.T) Record {
	t.Helper()
	r := owned("a", 3, "dc1", &vivaldi.Coordinate{Vec: []float64{0.001, -0.002}, Error: 0.5, Height: 1e-5},
		Service{ID: "s", Name: "web", Port: 443, Health: Passing, Tags: []string{}, Meta: map[string]string{"k": "v"}})
	require.NoError(t, r.Sign(testKey(1)))
	return r
}

func TestSignedRecordVerifiesAfterTheWire(t *testing.T) {
	r := signedRecord(t)
	require.NoError(t, r.VerifySignature())
	enc, err := cbor.CoreDetEncOptions().EncMode()
	require.NoError(t, err)
	data, err := enc.Marshal(r)
	require.NoError(t, err)
	var back Record
	require.NoError(t, cbor.Unmarshal(data, &back))
	assert.NoError(t, back.VerifySignature(), "empty tags decode as nil and still verify")

	again := signedRecord(t)
	assert.Equal(t, r.Signature, again.Signature, "Ed25519 signing is deterministic")
}

func TestSignatureCoversTheOwnerPartOnly(t *testing.T) {
	other := testKey(2).Public().(ed25519.PublicKey)
	tampered := map[string]func(*Record){
		"address":           func(r *Record) { r.Member.Addr = "evil:1" },
		"member":            func(r *Record) { r.Member.ID = "b" },
		"datacenter":        func(r *Record) { r.Datacenter = "dc2" },
		"owner incarnation": func(r *Record) { r.OwnerIncarnation = 1 << 62 },
		"version":           func(r *Record) { r.Version++ },
		"left":              func(r *Record) { r.Left = true },
		"coordinate":        func(r *Record) { r.Coordinate = nil },
		"service health":    func(r *Record) { r.Services[0].Health = Critical },
		"service meta":      func(r *Record) { r.Services[0].Meta = map[string]string{"k": "w"} },
		"another key":       func(r *Record) { r.Key = other },
		"no signature":      func(r *Record) { r.Signature = nil },
		"flipped signature": func(r *Record) { r.Signature[5] ^= 1 },
	}
	for name, edit := range tampered {
		t.Run(name, func(t *testing.T) {
			r := signedRecord(t).Clone()
			edit(&r)
			assert.ErrorIs(t, r.VerifySignature(), ErrBadSignature)
		})
	}
	r := signedRecord(t)
	r.Incarnation, r.Status = 9, Dead
	assert.NoError(t, r.VerifySignature(), "the liveness part is another node's to assert")
}

func TestSignRefusesAMalformedKey(t *testing.T) {
	r := owned("a", 1, "dc1", nil)
	assert.ErrorIs(t, r.Sign(ed25519.PrivateKey{1, 2}), ErrBadSignature)
}

func TestCatalogRefusesMalformedKeysAndSignatures(t *testing.T) {
	c := newTestCatalog(t, nil)
	r := signedRecord(t)
	r.Key = r.Key[:31]
	_, err := c.Apply(t0, r)
	assert.ErrorIs(t, err, ErrInvalidRecord)
	r = signedRecord(t)
	r.Signature = append(r.Signature, 0)
	_, err = c.Apply(t0, r)
	assert.ErrorIs(t, err, ErrInvalidRecord)
	mustApply(t, c, t0, signedRecord(t))
	got, _ := c.Get("a")
	assert.NoError(t, got.VerifySignature(), "the catalog keeps the signature with the owner part")
	assert.True(t, SameOwnerPart(&got, new(signedRecord(t).Clone())))
	assert.False(t, SameOwnerPart(&got, new(owned("a", 3, "dc1", nil))))
}
