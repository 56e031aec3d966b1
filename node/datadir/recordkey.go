package datadir

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"

	"github.com/overlayd/overlayd/overlay"
)

// maxRecordKeyBytes bounds record-key.json, about a hundred bytes.
const maxRecordKeyBytes = 4 << 10

// RecordKey is the content of record-key.json: the Ed25519 key a node
// signs its catalog records with.
type RecordKey struct {
	Node overlay.NodeID
	Key  ed25519.PrivateKey
}

type recordKeyJSON struct {
	Version int            `json:"version"`
	Node    overlay.NodeID `json:"node"`
	// Seed is the key's 32-byte seed (RFC 8032), base64 as encoding/json
	// writes []byte.
	Seed []byte `json:"ed25519_seed"`
}

// EncodeRecordKey returns the content of record-key.json for k.
func EncodeRecordKey(k RecordKey) ([]byte, error) {
	if len(k.Key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("datadir: encoding %s: key of %d bytes", RecordKeyFile, len(k.Key))
	}
	b, err := json.Marshal(recordKeyJSON{Version: formatVersion, Node: k.Node, Seed: k.Key.Seed()})
	if err != nil {
		return nil, fmt.Errorf("datadir: encoding %s: %w", RecordKeyFile, err)
	}
	return append(b, '\n'), nil
}

// DecodeRecordKey parses record-key.json: one JSON object of version 1 with
// a valid node name and a seed of 32 bytes.
func DecodeRecordKey(data []byte) (RecordKey, error) {
	var j recordKeyJSON
	if err := decodeJSON(RecordKeyFile, data, &j, &j.Version); err != nil {
		return RecordKey{}, err
	}
	if err := (overlay.Peer{ID: j.Node}).Validate(); err != nil {
		return RecordKey{}, fmt.Errorf("%w: %s: %w", ErrCorrupt, RecordKeyFile, err)
	}
	if len(j.Seed) != ed25519.SeedSize {
		return RecordKey{}, fmt.Errorf("%w: %s: seed of %d bytes, want %d", ErrCorrupt, RecordKeyFile, len(j.Seed), ed25519.SeedSize)
	}
	return RecordKey{Node: j.Node, Key: ed25519.NewKeyFromSeed(j.Seed)}, nil
}

// LoadRecordKey reads record-key.json. A missing file is an error wrapping
// fs.ErrNotExist, a malformed one an error wrapping ErrCorrupt.
func (d Dir) LoadRecordKey() (RecordKey, error) {
	b, err := d.read(RecordKeyFile, maxRecordKeyBytes)
	if err != nil {
		return RecordKey{}, err
	}
	return DecodeRecordKey(b)
}

// SaveRecordKey replaces record-key.json, readable by its owner only.
func (d Dir) SaveRecordKey(k RecordKey) error {
	b, err := EncodeRecordKey(k)
	if err != nil {
		return err
	}
	return d.write(RecordKeyFile, b)
}
