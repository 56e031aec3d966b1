package datadir

import (
	"crypto/ed25519"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

// FuzzDecodeIncarnation: whatever decodes re-encodes to what decodes the
// same, and nothing panics.
func FuzzDecodeIncarnation(f *testing.F) {
	f.Add(EncodeIncarnation(Incarnation{Node: "node-1", Incarnation: 42}))
	f.Add([]byte(`{"version":1,"node":"n","incarnation":18446744073709551615}`))
	f.Add([]byte(`{"version":1,"node":"n","incarnation":18446744073709551616}`))
	f.Add([]byte(`{"version":1,"node":"","incarnation":1}`))
	f.Add([]byte(`{"version":1,"node":"n","node":"m"}`))
	f.Add([]byte(`[1]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		inc, err := DecodeIncarnation(data)
		if err != nil {
			assert.ErrorIs(t, err, ErrCorrupt)
			return
		}
		again, err := DecodeIncarnation(EncodeIncarnation(inc))
		require.NoError(t, err)
		assert.Equal(t, inc, again)
	})
}

// FuzzDecodeMembers: whatever decodes is valid, re-encodes, and decodes
// the same again.
func FuzzDecodeMembers(f *testing.F) {
	b, err := EncodeMembers(Members{Node: "node-1", Saved: saved, Members: []overlay.Peer{{ID: "node-2", Addr: "10.0.0.2:7946"}}})
	require.NoError(f, err)
	f.Add(b)
	f.Add([]byte(`{"version":1,"node":"n","saved":"2026-12-02T10:30:00+01:00","members":[{"id":"a","addr":"x"},{"id":"b","addr":"y"}]}`))
	f.Add([]byte(`{"version":1,"node":"n","members":[{"id":"n","addr":"x"}]}`))
	f.Add([]byte(`{"version":1,"node":"n","members":[{"id":"a","addr":"x"},{"id":"a","addr":"y"}]}`))
	f.Add([]byte(`{"version":1,"node":"n","members":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMembers(data)
		if err != nil {
			assert.ErrorIs(t, err, ErrCorrupt)
			return
		}
		require.NoError(t, m.validate())
		b, err := EncodeMembers(m)
		require.NoError(t, err)
		again, err := DecodeMembers(b)
		require.NoError(t, err)
		assert.True(t, m.Saved.Equal(again.Saved))
		assert.Equal(t, m.Node, again.Node)
		assert.Equal(t, len(m.Members), len(again.Members))
		for i := range m.Members {
			assert.Equal(t, m.Members[i], again.Members[i])
		}
	})
}

// FuzzDecodeRecordKey: whatever decodes re-encodes to what decodes the
// same key, and nothing panics.
func FuzzDecodeRecordKey(f *testing.F) {
	b, err := EncodeRecordKey(RecordKey{Node: "node-1", Key: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))})
	require.NoError(f, err)
	f.Add(b)
	f.Add([]byte(`{"version":1,"node":"n","ed25519_seed":"AAAA"}`))
	f.Add([]byte(`{"version":1,"node":"n","ed25519_seed":null}`))
	f.Add([]byte(`{"version":2,"node":"n","ed25519_seed":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := DecodeRecordKey(data)
		if err != nil {
			assert.ErrorIs(t, err, ErrCorrupt)
			return
		}
		b, err := EncodeRecordKey(k)
		require.NoError(t, err)
		again, err := DecodeRecordKey(b)
		require.NoError(t, err)
		assert.Equal(t, k, again)
	})
}
