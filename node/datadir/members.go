package datadir

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// MaxMembers bounds the members saved: enough to find a live one after
// any restart, little enough to try them all in a few rounds.
const MaxMembers = 1024

// maxMembersBytes bounds members.json: MaxMembers entries of the longest
// ID and address, with room for the JSON around them.
const maxMembersBytes = MaxMembers*(overlay.MaxNodeIDLen+overlay.MaxAddrLen+64) + 4<<10

// Members is the content of members.json.
type Members struct {
	Node overlay.NodeID
	// Saved is when the list was written.
	Saved time.Time
	// Members are live members other than Node, each with an address.
	Members []overlay.Peer
}

type membersJSON struct {
	Version int            `json:"version"`
	Node    overlay.NodeID `json:"node"`
	Saved   time.Time      `json:"saved"`
	Members []memberJSON   `json:"members"`
}

type memberJSON struct {
	ID   overlay.NodeID `json:"id"`
	Addr string         `json:"addr"`
}

// EncodeMembers returns the content of members.json for m; it refuses a
// list that DecodeMembers would.
func EncodeMembers(m Members) ([]byte, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	j := membersJSON{Version: formatVersion, Node: m.Node, Saved: m.Saved.UTC(), Members: make([]memberJSON, len(m.Members))}
	for i, p := range m.Members {
		j.Members[i] = memberJSON{ID: p.ID, Addr: p.Addr}
	}
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("datadir: encoding %s: %w", MembersFile, err)
	}
	return append(b, '\n'), nil
}

// DecodeMembers parses members.json: one JSON object of version 1, with a
// valid node name and at most MaxMembers members, each valid, with an
// address, not the node itself and listed once. Fields it does not know
// are ignored.
func DecodeMembers(data []byte) (Members, error) {
	var j membersJSON
	if err := decodeJSON(MembersFile, data, &j, &j.Version); err != nil {
		return Members{}, err
	}
	m := Members{Node: j.Node, Saved: j.Saved, Members: make([]overlay.Peer, len(j.Members))}
	for i, e := range j.Members {
		m.Members[i] = overlay.Peer{ID: e.ID, Addr: e.Addr}
	}
	if err := m.validate(); err != nil {
		return Members{}, err
	}
	return m, nil
}

func (m Members) validate() error {
	if err := (overlay.Peer{ID: m.Node}).Validate(); err != nil {
		return fmt.Errorf("%w: %s: node: %w", ErrCorrupt, MembersFile, err)
	}
	if len(m.Members) > MaxMembers {
		return fmt.Errorf("%w: %s: %d members, at most %d", ErrCorrupt, MembersFile, len(m.Members), MaxMembers)
	}
	seen := make(map[overlay.NodeID]bool, len(m.Members))
	for _, p := range m.Members {
		switch err := p.Validate(); {
		case err != nil:
			return fmt.Errorf("%w: %s: %w", ErrCorrupt, MembersFile, err)
		case p.Addr == "" || p.ID == m.Node || seen[p.ID]:
			return fmt.Errorf("%w: %s: member %q without address, of this node or listed twice", ErrCorrupt, MembersFile, p.ID)
		}
		seen[p.ID] = true
	}
	return nil
}

// LoadMembers reads members.json. A missing file is an error wrapping
// fs.ErrNotExist, a malformed one an error wrapping ErrCorrupt.
func (d Dir) LoadMembers() (Members, error) {
	b, err := d.read(MembersFile, maxMembersBytes)
	if err != nil {
		return Members{}, err
	}
	return DecodeMembers(b)
}

// SaveMembers replaces members.json.
func (d Dir) SaveMembers(m Members) error {
	b, err := EncodeMembers(m)
	if err != nil {
		return err
	}
	return d.write(MembersFile, b)
}
