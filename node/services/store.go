package services

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/overlayd/overlayd/node/datadir"
)

// stateJSON is the content of the state file, in the {"Services": […]}
// shape that ParseFile reads.
type stateJSON struct {
	Services []Definition
}

// load returns the registrations kept in dir, none if it has no state
// file yet.
func load(dir string) ([]Definition, error) {
	if dir == "" {
		return nil, nil
	}
	path := filepath.Join(dir, StateFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("services: reading the registrations: %w", err)
	}
	defs, err := ParseFile(data)
	if err != nil {
		return nil, fmt.Errorf("services: %s: %w", path, err)
	}
	return defs, nil
}

// save writes the registrations to dir atomically (datadir.WriteFile), so
// that a crash leaves either the old registrations or the new ones.
func save(dir string, defs []Definition) error {
	if dir == "" {
		return nil
	}
	data, err := json.MarshalIndent(stateJSON{Services: defs}, "", "  ")
	if err != nil {
		return fmt.Errorf("services: encoding the registrations: %w", err)
	}
	if err := writeAtomic(dir, StateFile, append(data, '\n')); err != nil {
		return fmt.Errorf("%w in %s: %w", ErrNotSaved, dir, err)
	}
	return nil
}

func writeAtomic(dir, name string, data []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return datadir.WriteFile(filepath.Join(dir, name), data, 0o600)
}
