package datadir

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// tempSuffix marks the temporary files of WriteFile, which are also
// hidden, for Open's clean-up.
const tempSuffix = ".tmp-"

// WriteFile replaces the file at path with data, atomically: data goes to
// a temporary file in the same directory, which is synced, renamed over
// path, and the directory synced, so that after a crash path holds either
// its old content or data.
func WriteFile(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+tempSuffix+"*")
	if err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
			err = fmt.Errorf("datadir: writing %s: %w", path, err)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := faultFor(path); err != nil {
		return &fs.PathError{Op: "write", Path: f.Name(), Err: err}
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
