package catalog

import (
	"maps"
	"slices"
	"strconv"

	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// Status is a member's liveness. The numeric order is the precedence at
// equal incarnation: Left > Dead > Suspect > Alive.
type Status uint8

// The liveness states of a member.
const (
	// Alive is asserted by the member itself, at its current incarnation.
	Alive Status = 1
	// Suspect is asserted by any node whose probes of the member failed.
	Suspect Status = 2
	// Dead is asserted by any node whose suspicion of the member ran out.
	Dead Status = 3
	// Left is asserted by the member itself when it leaves on purpose.
	Left Status = 4
)

// String returns the status's lower-case name, or Status(n) for an
// unknown value.
func (s Status) String() string {
	switch s {
	case Alive:
		return "alive"
	case Suspect:
		return "suspect"
	case Dead:
		return "dead"
	case Left:
		return "left"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

func (s Status) valid() bool { return s >= Alive && s <= Left }

// live reports whether the member's instances may be served: alive or
// suspect. A suspect member keeps serving until it is declared dead, as in
// Consul, because most suspicions are refuted.
func (s Status) live() bool { return s == Alive || s == Suspect }

// Health is the result of a service instance's health checks, as the
// member that runs the instance reports it.
type Health uint8

// The health of a service instance.
const (
	Passing  Health = 1
	Warning  Health = 2
	Critical Health = 3
)

// String returns the health's lower-case name, or Health(n) for an unknown
// value.
func (h Health) String() string {
	switch h {
	case Passing:
		return "passing"
	case Warning:
		return "warning"
	case Critical:
		return "critical"
	}
	return "Health(" + strconv.Itoa(int(h)) + ")"
}

func (h Health) valid() bool { return h >= Passing && h <= Critical }

// Service is one service instance offered by a member.
type Service struct {
	// ID names the instance uniquely within its member.
	ID string `cbor:"1,keyasint,omitempty"`
	// Name is the service the instance belongs to; queries select by it.
	Name string `cbor:"2,keyasint,omitempty"`
	// Address is where the instance listens; empty means the member's
	// host.
	Address string `cbor:"3,keyasint,omitempty"`
	Port    uint16 `cbor:"4,keyasint,omitempty"`
	// Tags are free-form labels a query can filter on, in the member's
	// order.
	Tags []string          `cbor:"5,keyasint,omitempty"`
	Meta map[string]string `cbor:"6,keyasint,omitempty"`
	// Health is the instance's latest check result.
	Health Health `cbor:"7,keyasint,omitempty"`
}

// Record is everything the catalog knows of one member. It has two parts
// that merge independently (see [Merge]):
//
//   - the liveness part, Incarnation and Status, asserted by any node
//     (suspect, dead) or by the member itself (alive, left);
//   - the owner part, written only by the member itself and ordered by
//     (OwnerIncarnation, Version): Member.Addr, Datacenter, Coordinate and
//     Services. A record with OwnerIncarnation and Version both zero is a
//     liveness-only update and carries no owner data except, optionally,
//     the address.
//
// The owner part also holds the member's signature of it and its key
// ([Record.Sign]); node.Core decides whose keys it trusts.
//
// Records held by a [Catalog] or a [Snapshot] are immutable and shared:
// treat every Record they return, and its slices, maps and coordinate, as
// read-only; use [Record.Clone] for a copy to modify.
type Record struct {
	// Member is the member's ID and address. The ID identifies the record;
	// the address belongs to the owner part.
	Member     overlay.Peer `cbor:"1,keyasint,omitempty"`
	Datacenter string       `cbor:"2,keyasint,omitempty"`

	Incarnation uint64 `cbor:"3,keyasint,omitempty"`
	Status      Status `cbor:"4,keyasint,omitempty"`

	OwnerIncarnation uint64 `cbor:"5,keyasint,omitempty"`
	Version          uint64 `cbor:"6,keyasint,omitempty"`
	// Coordinate is the member's Vivaldi coordinate; nil when unknown.
	Coordinate *vivaldi.Coordinate `cbor:"7,keyasint,omitempty"`
	// Services are the member's service instances, sorted by ID with no
	// ID twice.
	Services []Service `cbor:"8,keyasint,omitempty"`
	// Left is set in the owner part of a member that left on purpose: its
	// signed statement that it left at OwnerIncarnation.
	Left bool `cbor:"9,keyasint,omitempty"`
	// Key is the member's Ed25519 public key, and Signature its signature
	// of the owner part (see [Record.Sign]); both are part of the owner
	// part. Empty in records that nobody signed.
	Key       []byte `cbor:"10,keyasint,omitempty"`
	Signature []byte `cbor:"11,keyasint,omitempty"`
}

// Clone returns a deep copy of r that shares no memory with it. Empty
// slices and maps become nil, which is how they decode from the wire, so
// that two clones of equal records compare equal whatever their origin.
func (r Record) Clone() Record {
	if r.Coordinate != nil {
		c := *r.Coordinate
		c.Vec = cloneSlice(c.Vec)
		r.Coordinate = &c
	}
	r.Key, r.Signature = cloneSlice(r.Key), cloneSlice(r.Signature)
	r.Services = cloneSlice(r.Services)
	for i := range r.Services {
		s := &r.Services[i]
		s.Tags = cloneSlice(s.Tags)
		if len(s.Meta) == 0 {
			s.Meta = nil
		} else {
			s.Meta = maps.Clone(s.Meta)
		}
	}
	return r
}

// cloneSlice copies s, returning nil for an empty slice.
func cloneSlice[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

// livenessOnly reports whether r carries no owner data: its
// (OwnerIncarnation, Version) is (0, 0).
func (r *Record) livenessOnly() bool {
	return r.OwnerIncarnation == 0 && r.Version == 0
}
