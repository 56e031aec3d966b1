package datadir

import (
	"path/filepath"
	"strings"
	"sync/atomic"
)

// writeFault is the fault InjectWriteFault set, if any.
var writeFault atomic.Pointer[injectedFault]

type injectedFault struct {
	dir string
	err error
}

// InjectWriteFault makes every WriteFile of a path under dir fail its
// write with err, until heal is called: the seam of the fault-injection
// tests, since a full disk (ENOSPC) cannot be made without root. The
// failure comes where a full disk's would, at the write of the temporary
// file, so the clean-up after it runs as it would then. One fault at a
// time; safe for concurrent use.
func InjectWriteFault(dir string, err error) (heal func()) {
	f := &injectedFault{dir: filepath.Clean(dir), err: err}
	writeFault.Store(f)
	return func() { writeFault.CompareAndSwap(f, nil) }
}

// faultFor returns the injected error for a write of path, if any.
func faultFor(path string) error {
	f := writeFault.Load()
	if f == nil {
		return nil
	}
	if rel, err := filepath.Rel(f.dir, filepath.Clean(path)); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil
	}
	return f.err
}
