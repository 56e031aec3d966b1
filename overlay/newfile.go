package overlay

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writeNewFile creates path holding data with permissions perm, atomically
// and only if path does not exist yet: the data goes to a temporary file in
// the same directory, which is synced and then hard-linked to path, so a
// reader sees either no file or the whole of it, even after a crash, and
// two writers racing for one path cannot both win. The error for an
// existing path wraps [fs.ErrExist].
func writeNewFile(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("overlay: write %s: %w", path, err)
	}
	defer func() {
		err = errors.Join(err, ignoreNotExist(os.Remove(tmp.Name())))
	}()
	if err := tmp.Chmod(perm); err != nil {
		return errors.Join(fmt.Errorf("overlay: write %s: %w", path, err), tmp.Close())
	}
	if _, err := tmp.Write(data); err != nil {
		return errors.Join(fmt.Errorf("overlay: write %s: %w", path, err), tmp.Close())
	}
	if err := tmp.Sync(); err != nil {
		return errors.Join(fmt.Errorf("overlay: sync %s: %w", path, err), tmp.Close())
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("overlay: write %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("overlay: create %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes a new directory entry in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("overlay: sync directory %s: %w", dir, err)
	}
	return errors.Join(d.Sync(), d.Close())
}

func ignoreNotExist(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
