package datadir

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A write under a full disk fails as a real one would, leaves the old
// content and no temporary file, and spares other directories; once
// healed, writes succeed.
func TestInjectedWriteFaultFailsLikeAFullDisk(t *testing.T) {
	root := t.TempDir()
	full, other := filepath.Join(root, "full"), filepath.Join(root, "full-not")
	for _, d := range []string{full, other} {
		require.NoError(t, os.Mkdir(d, 0o700))
	}
	path := filepath.Join(full, "state.json")
	require.NoError(t, WriteFile(path, []byte("old"), 0o600))

	heal := InjectWriteFault(full, syscall.ENOSPC)
	err := WriteFile(path, []byte("new"), 0o600)
	require.ErrorIs(t, err, syscall.ENOSPC)
	assert.Contains(t, err.Error(), "no space left on device")
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "old", string(got), "the old content stays")
	entries, err := os.ReadDir(full)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left")
	require.NoError(t, WriteFile(filepath.Join(other, "state.json"), []byte("x"), 0o600), "a sibling with a longer name is another directory")

	heal()
	require.NoError(t, WriteFile(path, []byte("new"), 0o600))
	got, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "new", string(got))
}
