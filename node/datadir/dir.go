package datadir

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// The names in a data directory.
const (
	IncarnationFile = "incarnation.json"
	MembersFile     = "members.json"
	RecordKeyFile   = "record-key.json"
	TLSDir          = "tls"
)

// ErrCorrupt reports a file that is not what this package writes.
var ErrCorrupt = errors.New("datadir: corrupt file")

// Dir is a data directory.
type Dir struct{ path string }

// Open creates the data directory at path and its tls directory if they
// are missing, and removes the temporary files a crash may have left. It
// returns the Dir even with an error, so that an agent whose directory is
// unusable can go on without it and retry its writes later.
func Open(path string) (Dir, error) {
	d := Dir{path: path}
	if err := os.MkdirAll(d.TLS(), 0o700); err != nil {
		return d, fmt.Errorf("datadir: %w", err)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return d, fmt.Errorf("datadir: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if name := e.Name(); strings.HasPrefix(name, ".") && strings.Contains(name, tempSuffix) {
			errs = append(errs, os.Remove(filepath.Join(path, name)))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return d, fmt.Errorf("datadir: removing temporary files: %w", err)
	}
	return d, nil
}

// Path returns the directory's path.
func (d Dir) Path() string { return d.path }

// TLS returns the path of the directory for the transport's PEM files.
func (d Dir) TLS() string { return filepath.Join(d.path, TLSDir) }

// read returns the content of a file of the directory, refusing one
// larger than limit bytes. A missing file is an error wrapping
// fs.ErrNotExist.
func (d Dir) read(name string, limit int64) ([]byte, error) {
	f, err := os.Open(filepath.Join(d.path, name))
	if err != nil {
		return nil, fmt.Errorf("datadir: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("datadir: reading %s: %w", name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrCorrupt, name, limit)
	}
	return b, nil
}

func (d Dir) write(name string, data []byte) error {
	return WriteFile(filepath.Join(d.path, name), data, 0o600)
}
