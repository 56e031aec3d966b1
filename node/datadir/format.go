package datadir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// formatVersion is the version of every file's format.
const formatVersion = 1

// decodeJSON decodes exactly one JSON value of data into v, and checks its
// version.
func decodeJSON(name string, data []byte, v any, version *int) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCorrupt, name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: %s: data after the JSON value", ErrCorrupt, name)
	}
	if *version != formatVersion {
		return fmt.Errorf("%w: %s: version %d, want %d", ErrCorrupt, name, *version, formatVersion)
	}
	return nil
}
