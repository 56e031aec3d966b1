package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// smallMatrix writes the first n hosts of the PlanetLab matrix, space- and
// not tab-separated, to a temporary file.
func smallMatrix(t *testing.T, n int) string {
	t.Helper()
	b, err := os.ReadFile("data/planetlab490/rtt_ms.tsv")
	require.NoError(t, err)
	var out strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[:n] {
		out.WriteString(strings.Join(strings.Fields(line)[:n], " ") + "\n")
	}
	path := filepath.Join(t.TempDir(), "rtt.txt")
	require.NoError(t, os.WriteFile(path, []byte(out.String()), 0o644))
	return path
}

// TestVivaldiCoordinatesLearnTheMatrix runs 60 full Cores on 60 PlanetLab
// hosts: their coordinates' error falls as they sample, and the nearest
// picks they make from their catalogs beat chance (1 in 5).
func TestVivaldiCoordinatesLearnTheMatrix(t *testing.T) {
	p := vivParams{matrix: smallMatrix(t, 60), unit: time.Millisecond, seed: 2, duration: 3 * time.Minute, every: 30 * time.Second, sets: 10}
	res, err := p.run(io.Discard)
	require.NoError(t, err)
	require.Len(t, res.ErrorOverTime, 6)
	assert.Less(t, res.MedianRelError, res.ErrorOverTime[0], "the error falls as nodes sample")
	assert.Greater(t, res.NearestHitRate, 0.2)
	assert.GreaterOrEqual(t, res.StretchMedian, 1.0)
	assert.LessOrEqual(t, res.StretchMedian, res.StretchP90)
}

func TestVivaldiRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"vivaldi"}, "need -matrix"},
		{[]string{"vivaldi", "-matrix", "x", "-units", "us"}, "-units"},
		{[]string{"vivaldi", "-matrix", "/nonexistent"}, "-matrix"},
	} {
		var out, errOut bytes.Buffer
		assert.Equal(t, 1, dispatch(tc.args, &out, &errOut), "%v", tc.args)
		assert.Contains(t, errOut.String(), tc.wantErr, "%v", tc.args)
	}
}
