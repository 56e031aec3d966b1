package netem

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidMatrix is wrapped by every error ParseRTTMatrix returns for a
// malformed file.
var ErrInvalidMatrix = errors.New("netem: invalid RTT matrix")

// maxMatrixLine bounds one line of a matrix file (about a million entries).
const maxMatrixLine = 16 << 20

// RTTMatrix is a symmetric all-pairs round-trip-time matrix between hosts
// 0..Hosts()-1. Some off-diagonal entries may be missing.
type RTTMatrix struct {
	n      int
	rtt    []time.Duration // row-major n*n; -1 marks a missing entry
	median time.Duration   // median of the present off-diagonal entries
}

// Hosts returns the number of hosts (rows) in the matrix.
func (m *RTTMatrix) Hosts() int { return m.n }

// RTT returns the round-trip time between hosts i and j and whether it was
// measured. RTT(i, i) is 0 and present.
func (m *RTTMatrix) RTT(i, j int) (time.Duration, bool) {
	if i == j {
		return 0, true
	}
	d := m.rtt[i*m.n+j]
	return max(d, 0), d >= 0
}

// Median returns the median of the present off-diagonal RTTs, the stand-in
// for a missing entry (see [RTTMatrix.RTTOrMedian]).
func (m *RTTMatrix) Median() time.Duration { return m.median }

// RTTOrMedian returns the round-trip time between hosts i and j, or the
// matrix median where it was not measured.
func (m *RTTMatrix) RTTOrMedian(i, j int) time.Duration {
	if rtt, ok := m.RTT(i, j); ok {
		return rtt
	}
	return m.median
}

// LoadRTTMatrix reads the file at path with ParseRTTMatrix.
func LoadRTTMatrix(path string, unit time.Duration) (*RTTMatrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("netem: load RTT matrix: %w", err)
	}
	defer f.Close()
	m, err := ParseRTTMatrix(f, unit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ParseRTTMatrix reads a square all-pairs matrix: one row per line, numbers
// separated by tabs or spaces, entry (i, j) the RTT from host i to host j in
// multiples of unit (time.Millisecond for the PlanetLab data). Blank lines are
// skipped and the diagonal is ignored. A zero off the diagonal means "not
// measured". The result is symmetric: where both directions were measured
// their mean is taken, where one was that one, and where neither was the
// entry stays missing. A ragged, non-square, non-numeric, negative or
// non-finite file, or one with no off-diagonal measurement at all, is an
// error wrapping ErrInvalidMatrix that names the offending line.
func ParseRTTMatrix(r io.Reader, unit time.Duration) (*RTTMatrix, error) {
	if unit <= 0 {
		return nil, fmt.Errorf("%w: unit %v is not positive", ErrInvalidMatrix, unit)
	}
	rows, err := readRows(r)
	if err != nil {
		return nil, err
	}
	n := len(rows)
	m := &RTTMatrix{n: n, rtt: make([]time.Duration, n*n)}
	var present []time.Duration
	for i := range n {
		for j := i + 1; j < n; j++ {
			d, ok, err := symmetricEntry(rows[i][j], rows[j][i], unit)
			if err != nil {
				return nil, fmt.Errorf("%w: entry (%d, %d): %w", ErrInvalidMatrix, i, j, err)
			}
			if !ok {
				d = -1
			} else {
				present = append(present, d)
			}
			m.rtt[i*n+j], m.rtt[j*n+i] = d, d
		}
	}
	if n > 1 && len(present) == 0 {
		return nil, fmt.Errorf("%w: no off-diagonal entry is present", ErrInvalidMatrix)
	}
	m.median = median(present)
	return m, nil
}

// readRows parses the lines of a matrix into rows of non-negative finite
// numbers and checks that they form a square.
func readRows(r io.Reader) ([][]float64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxMatrixLine)
	var rows [][]float64
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(rows) > 0 && len(fields) != len(rows[0]) {
			return nil, fmt.Errorf("%w: line %d: %d columns, want %d as on the first row",
				ErrInvalidMatrix, line, len(fields), len(rows[0]))
		}
		if len(rows) > 0 && len(rows) == len(rows[0]) {
			return nil, fmt.Errorf("%w: line %d: more rows than the %d columns",
				ErrInvalidMatrix, line, len(rows[0]))
		}
		row := make([]float64, len(fields))
		for k, f := range fields {
			v, err := strconv.ParseFloat(f, 64)
			switch {
			case err != nil:
				return nil, fmt.Errorf("%w: line %d, column %d: %q is not a number",
					ErrInvalidMatrix, line, k+1, f)
			case math.IsNaN(v) || math.IsInf(v, 0):
				return nil, fmt.Errorf("%w: line %d, column %d: %q is not finite",
					ErrInvalidMatrix, line, k+1, f)
			case v < 0:
				return nil, fmt.Errorf("%w: line %d, column %d: %q is negative",
					ErrInvalidMatrix, line, k+1, f)
			}
			row[k] = v
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: line %d: %w", ErrInvalidMatrix, line+1, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: no rows", ErrInvalidMatrix)
	}
	if len(rows) != len(rows[0]) {
		return nil, fmt.Errorf("%w: line %d: end of input after %d rows, want %d (one per column)",
			ErrInvalidMatrix, line, len(rows), len(rows[0]))
	}
	return rows, nil
}

// symmetricEntry combines the two measured directions of one pair, where 0
// means "not measured", and converts the result to a duration.
func symmetricEntry(ij, ji float64, unit time.Duration) (time.Duration, bool, error) {
	var v float64
	switch {
	case ij > 0 && ji > 0:
		v = ij/2 + ji/2
	case ij > 0:
		v = ij
	case ji > 0:
		v = ji
	default:
		return 0, false, nil
	}
	ns := math.Round(v * float64(unit))
	if ns >= math.MaxInt64 {
		return 0, false, fmt.Errorf("%v times %v overflows a duration", v, unit)
	}
	return time.Duration(ns), true, nil
}

// median returns the median of ds (the mean of the middle two for an even
// count), or 0 for none. It sorts ds.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	mid := len(ds) / 2
	if len(ds)%2 == 1 {
		return ds[mid]
	}
	return ds[mid-1] + (ds[mid]-ds[mid-1])/2
}
