package datadir

import (
	"crypto/ed25519"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay"
)

var saved = time.Date(2026, 12, 2, 10, 30, 0, 123, time.UTC)

func TestOpenCreatesTheLayoutAndRemovesLeftovers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data")
	d, err := Open(path)
	require.NoError(t, err)
	for _, dir := range []string{path, d.TLS()} {
		info, err := os.Stat(dir)
		require.NoError(t, err)
		assert.True(t, info.IsDir())
		assert.Equal(t, fs.FileMode(0o700), info.Mode().Perm())
	}
	assert.Equal(t, filepath.Join(path, "tls"), d.TLS())

	leftover := filepath.Join(path, "."+IncarnationFile+tempSuffix+"123")
	require.NoError(t, os.WriteFile(leftover, []byte("half"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(d.TLS(), "node.pem"), []byte("x"), 0o600))
	_, err = Open(path)
	require.NoError(t, err)
	assert.NoFileExists(t, leftover)
	assert.FileExists(t, filepath.Join(d.TLS(), "node.pem"), "tls/ is the transport's")
}

func TestIncarnationRoundTrip(t *testing.T) {
	d, err := Open(t.TempDir())
	require.NoError(t, err)
	_, err = d.LoadIncarnation()
	assert.ErrorIs(t, err, fs.ErrNotExist)

	want := Incarnation{Node: "node-1", Incarnation: 1<<64 - 1}
	require.NoError(t, d.SaveIncarnation(want))
	got, err := d.LoadIncarnation()
	require.NoError(t, err)
	assert.Equal(t, want, got)
	b, err := os.ReadFile(filepath.Join(d.Path(), IncarnationFile))
	require.NoError(t, err)
	assert.JSONEq(t, `{"version":1,"node":"node-1","incarnation":18446744073709551615}`, string(b))

	require.NoError(t, d.SaveIncarnation(Incarnation{Node: "node-1", Incarnation: 8}))
	got, err = d.LoadIncarnation()
	require.NoError(t, err)
	assert.Equal(t, uint64(8), got.Incarnation, "a save replaces the file")
	entries, err := os.ReadDir(d.Path())
	require.NoError(t, err)
	assert.Len(t, entries, 2, "the file and tls/, no temporary file")
}

func TestMembersRoundTrip(t *testing.T) {
	d, err := Open(t.TempDir())
	require.NoError(t, err)
	_, err = d.LoadMembers()
	assert.ErrorIs(t, err, fs.ErrNotExist)

	want := Members{Node: "node-1", Saved: saved, Members: []overlay.Peer{{ID: "node-2", Addr: "10.0.0.2:7946"}, {ID: "node-3", Addr: "10.0.0.3:7946"}}}
	require.NoError(t, d.SaveMembers(want))
	got, err := d.LoadMembers()
	require.NoError(t, err)
	assert.Equal(t, want, got)

	for name, bad := range map[string]Members{
		"self":       {Node: "node-1", Members: []overlay.Peer{{ID: "node-1", Addr: "a"}}},
		"twice":      {Node: "node-1", Members: []overlay.Peer{{ID: "n", Addr: "a"}, {ID: "n", Addr: "b"}}},
		"no address": {Node: "node-1", Members: []overlay.Peer{{ID: "n"}}},
		"no node":    {Members: []overlay.Peer{{ID: "n", Addr: "a"}}},
		"too many":   {Node: "node-1", Members: make([]overlay.Peer, MaxMembers+1)},
	} {
		assert.ErrorIs(t, d.SaveMembers(bad), ErrCorrupt, name)
	}
}

func TestDecodeRefusesWhatWasNotWrittenHere(t *testing.T) {
	for name, data := range map[string]string{
		"empty":          ``,
		"garbage":        `{"version":1,`,
		"null":           `null`,
		"other version":  `{"version":2,"node":"n","incarnation":1}`,
		"no node":        `{"version":1,"incarnation":1}`,
		"negative":       `{"version":1,"node":"n","incarnation":-1}`,
		"fraction":       `{"version":1,"node":"n","incarnation":1.5}`,
		"trailing value": `{"version":1,"node":"n","incarnation":1} {}`,
	} {
		_, err := DecodeIncarnation([]byte(data))
		assert.ErrorIs(t, err, ErrCorrupt, name)
	}
	inc, err := DecodeIncarnation([]byte(`{"version":1,"node":"n","incarnation":3,"later":"field"}`))
	require.NoError(t, err, "fields of later versions are ignored")
	assert.Equal(t, Incarnation{Node: "n", Incarnation: 3}, inc)

	for name, data := range map[string]string{
		"member without id": `{"version":1,"node":"n","members":[{"addr":"a"}]}`,
		"bad time":          `{"version":1,"node":"n","saved":"yesterday","members":[]}`,
		"members not list":  `{"version":1,"node":"n","members":{}}`,
	} {
		_, err := DecodeMembers([]byte(data))
		assert.ErrorIs(t, err, ErrCorrupt, name)
	}
}

func TestLoadRefusesAnOversizedFile(t *testing.T) {
	d, err := Open(t.TempDir())
	require.NoError(t, err)
	big := make([]byte, maxIncarnationBytes+1)
	require.NoError(t, os.WriteFile(filepath.Join(d.Path(), IncarnationFile), big, 0o600))
	_, err = d.LoadIncarnation()
	assert.ErrorIs(t, err, ErrCorrupt)
}

// A data directory that cannot be created still yields a Dir whose writes
// fail with an error, not a panic. (A path under a regular file fails for
// root too, unlike a read-only mode.)
func TestAnUnusableDirectoryReportsErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	d, err := Open(filepath.Join(file, "data"))
	require.Error(t, err)
	assert.Error(t, d.SaveIncarnation(Incarnation{Node: "n", Incarnation: 1}))
	_, err = d.LoadIncarnation()
	assert.Error(t, err)
	assert.NotErrorIs(t, err, fs.ErrNotExist, "unreadable is not missing")
}

func TestRecordKeyRoundTrip(t *testing.T) {
	d, err := Open(t.TempDir())
	require.NoError(t, err)
	_, err = d.LoadRecordKey()
	assert.ErrorIs(t, err, fs.ErrNotExist)

	seed := make([]byte, ed25519.SeedSize)
	seed[0] = 7
	want := RecordKey{Node: "node-1", Key: ed25519.NewKeyFromSeed(seed)}
	require.NoError(t, d.SaveRecordKey(want))
	got, err := d.LoadRecordKey()
	require.NoError(t, err)
	assert.Equal(t, want, got)
	info, err := os.Stat(filepath.Join(d.Path(), RecordKeyFile))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), info.Mode().Perm(), "a private key is its owner's only")

	require.NoError(t, os.WriteFile(filepath.Join(d.Path(), RecordKeyFile), []byte(`{"version":1,"node":"node-1","ed25519_seed":"AAAA"}`), 0o600))
	_, err = d.LoadRecordKey()
	assert.ErrorIs(t, err, ErrCorrupt, "a seed of 3 bytes")
	_, err = EncodeRecordKey(RecordKey{Node: "node-1", Key: ed25519.PrivateKey{1}})
	assert.Error(t, err)
}
