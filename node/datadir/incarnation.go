package datadir

import (
	"encoding/json"
	"fmt"

	"github.com/overlayd/overlayd/overlay"
)

// maxIncarnationBytes bounds incarnation.json, a few dozen bytes.
const maxIncarnationBytes = 4 << 10

// Incarnation is the content of incarnation.json.
type Incarnation struct {
	Node        overlay.NodeID
	Incarnation uint64
}

type incarnationJSON struct {
	Version     int            `json:"version"`
	Node        overlay.NodeID `json:"node"`
	Incarnation uint64         `json:"incarnation"`
}

// EncodeIncarnation returns the content of incarnation.json for inc.
func EncodeIncarnation(inc Incarnation) []byte {
	b, _ := json.Marshal(incarnationJSON{Version: formatVersion, Node: inc.Node, Incarnation: inc.Incarnation}) // cannot fail
	return append(b, '\n')
}

// DecodeIncarnation parses incarnation.json: one JSON object of version 1
// with a valid node name. Fields it does not know are ignored, for files
// of later versions' additions.
func DecodeIncarnation(data []byte) (Incarnation, error) {
	var j incarnationJSON
	if err := decodeJSON(IncarnationFile, data, &j, &j.Version); err != nil {
		return Incarnation{}, err
	}
	if err := (overlay.Peer{ID: j.Node}).Validate(); err != nil {
		return Incarnation{}, fmt.Errorf("%w: %s: %w", ErrCorrupt, IncarnationFile, err)
	}
	return Incarnation{Node: j.Node, Incarnation: j.Incarnation}, nil
}

// LoadIncarnation reads incarnation.json. A missing file is an error
// wrapping fs.ErrNotExist, a malformed one an error wrapping ErrCorrupt.
func (d Dir) LoadIncarnation() (Incarnation, error) {
	b, err := d.read(IncarnationFile, maxIncarnationBytes)
	if err != nil {
		return Incarnation{}, err
	}
	return DecodeIncarnation(b)
}

// SaveIncarnation replaces incarnation.json.
func (d Dir) SaveIncarnation(inc Incarnation) error {
	return d.write(IncarnationFile, EncodeIncarnation(inc))
}
