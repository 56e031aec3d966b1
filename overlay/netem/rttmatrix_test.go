package netem

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const planetLabPath = "planetlab490/rtt_ms.tsv"

// missing marks an absent entry in the expected matrices below.
const missing = time.Duration(-1)

func TestParseRTTMatrix(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		in   string
		want [][]time.Duration
	}{
		{
			name: "tabs",
			in:   "0\t10\t20\n10\t0\t30\n20\t30\t0\n",
			want: [][]time.Duration{{0, 10 * ms, 20 * ms}, {10 * ms, 0, 30 * ms}, {20 * ms, 30 * ms, 0}},
		},
		{
			name: "spaces, runs of blanks, CRLF, blank lines, no final newline",
			in:   "\n  0   1.5 \r\n\n1.5 0",
			want: [][]time.Duration{{0, 1500 * time.Microsecond}, {1500 * time.Microsecond, 0}},
		},
		{
			name: "asymmetric: mean of both directions",
			in:   "0 10\n30 0\n",
			want: [][]time.Duration{{0, 20 * ms}, {20 * ms, 0}},
		},
		{
			name: "zero off the diagonal is missing; the other direction fills it",
			in:   "0 0 20\n10 0 30\n20 30 0\n",
			want: [][]time.Duration{{0, 10 * ms, 20 * ms}, {10 * ms, 0, 30 * ms}, {20 * ms, 30 * ms, 0}},
		},
		{
			name: "missing both ways stays missing",
			in:   "0 0 20\n0 0 30\n20 30 0\n",
			want: [][]time.Duration{{0, missing, 20 * ms}, {missing, 0, 30 * ms}, {20 * ms, 30 * ms, 0}},
		},
		{
			name: "diagonal ignored",
			in:   "7 10\n10 9\n",
			want: [][]time.Duration{{0, 10 * ms}, {10 * ms, 0}},
		},
		{
			name: "one host",
			in:   "0\n",
			want: [][]time.Duration{{0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseRTTMatrix(strings.NewReader(tt.in), time.Millisecond)
			require.NoError(t, err)
			require.Equal(t, len(tt.want), m.Hosts())
			for i, row := range tt.want {
				for j, want := range row {
					got, ok := m.RTT(i, j)
					if want == missing {
						assert.False(t, ok, "(%d, %d) missing", i, j)
						continue
					}
					assert.True(t, ok, "(%d, %d) present", i, j)
					assert.Equal(t, want, got, "(%d, %d)", i, j)
				}
			}
		})
	}
}

func TestParseRTTMatrixErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // a substring of the error, naming the line
	}{
		{"empty", "", "no rows"},
		{"only blank lines", "\n \n\t\n", "no rows"},
		{"ragged", "0 1 2\n1 0\n2 1 0\n", "line 2: 2 columns, want 3"},
		{"too many rows", "0 1\n1 0\n\n1 1\n", "line 4: more rows"},
		{"too few rows", "0 1 2\n1 0 3\n", "line 2: end of input after 2 rows, want 3"},
		{"not a number", "0 1\n1 x\n", `line 2, column 2: "x" is not a number`},
		{"negative", "0 -1\n1 0\n", `line 1, column 2: "-1" is negative`},
		{"NaN", "0 NaN\n1 0\n", `line 1, column 2: "NaN" is not finite`},
		{"infinite", "0 1\nInf 0\n", `line 2, column 1: "Inf" is not finite`},
		{"nothing measured", "0 0\n0 0\n", "no off-diagonal entry"},
		{"overflow", "0 1e300\n1e300 0\n", "overflows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRTTMatrix(strings.NewReader(tt.in), time.Millisecond)
			require.ErrorIs(t, err, ErrInvalidMatrix)
			require.ErrorContains(t, err, tt.want)
		})
	}

	_, err := ParseRTTMatrix(strings.NewReader("0 1\n1 0\n"), 0)
	require.ErrorIs(t, err, ErrInvalidMatrix, "a zero unit")

	_, err = LoadRTTMatrix("testdata/does-not-exist.tsv", time.Millisecond)
	require.ErrorIs(t, err, os.ErrNotExist, "a missing file")
}

func TestMedianFillsMissingEntries(t *testing.T) {
	// Present off-diagonal RTTs: 20, 30, 40 ms; the median is 30 ms.
	m, err := ParseRTTMatrix(strings.NewReader("0 0 20 30\n0 0 0 40\n20 0 0 0\n30 40 0 0\n"), time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, 30*time.Millisecond, m.Median())
	assert.Equal(t, 30*time.Millisecond, m.RTTOrMedian(0, 1), "missing: the median")
	assert.Equal(t, 20*time.Millisecond, m.RTTOrMedian(0, 2))
	assert.Equal(t, 40*time.Millisecond, m.RTTOrMedian(3, 1))
	assert.Equal(t, time.Duration(0), m.RTTOrMedian(2, 2))
}

func TestPlanetLabMatrix(t *testing.T) {
	m, err := LoadRTTMatrix(planetLabPath, time.Millisecond)
	require.NoError(t, err)
	require.Equal(t, 490, m.Hosts())

	rtt, ok := m.RTT(0, 1)
	require.True(t, ok)
	assert.Equal(t, 175*time.Microsecond, rtt, "0.175 ms, the second number of the file's first line")

	// The README promises a complete symmetric matrix with a median of about 135 ms.
	for i := range m.Hosts() {
		for j := range m.Hosts() {
			d, ok := m.RTT(i, j)
			require.True(t, ok, "(%d, %d) present", i, j)
			back, _ := m.RTT(j, i)
			require.Equal(t, d, back)
		}
	}
	assert.InDelta(t, 135, m.Median().Seconds()*1000, 1)

	embedded, err := PlanetLab490()
	require.NoError(t, err)
	assert.Equal(t, m, embedded, "the embedded copy is the file")
}

func FuzzParseRTTMatrix(f *testing.F) {
	for _, seed := range []string{
		"0\t10\n10\t0\n",
		"0 0 20\n10 0 30\n20 30 0\n",
		"0 1 2\n1 0\n",
		"0 x\n1 0\n",
		"1e300 1e-300\n5 0\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	if head, err := os.ReadFile(planetLabPath); err == nil {
		f.Add(head[:bytes.IndexByte(head, '\n')+1]) // one real row: not square
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := ParseRTTMatrix(bytes.NewReader(in), time.Millisecond)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidMatrix)
			return
		}
		require.Positive(t, m.Hosts())
		for i := range m.Hosts() {
			for j := range m.Hosts() {
				d, ok := m.RTT(i, j)
				back, backOK := m.RTT(j, i)
				require.GreaterOrEqual(t, d, time.Duration(0))
				require.Equal(t, ok, backOK, "(%d, %d)", i, j)
				require.Equal(t, d, back, "(%d, %d)", i, j)
			}
		}
		require.GreaterOrEqual(t, m.Median(), time.Duration(0))
	})
}
