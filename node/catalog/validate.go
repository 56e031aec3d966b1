package catalog

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/overlayd/overlayd/overlay"
)

// ErrInvalidRecord reports a record that [Catalog.Apply] refused: a field
// out of range or malformed, or a limit exceeded.
var ErrInvalidRecord = errors.New("catalog: invalid record")

// Limits on the fields of a record. Datacenter and service names end up in
// DNS names, so they are bounded like a DNS label (RFC 1035); meta follows
// Consul's limits [Consul] (see config.go), and tags the same spirit.
const (
	MaxDatacenterLen  = 63
	MaxServiceNameLen = 63
	MaxServiceIDLen   = 128
	MaxTagsPerService = 64
	MaxTagLen         = 128
	MaxMetaPairs      = 64
	MaxMetaKeyLen     = 128
	MaxMetaValueLen   = 512
)

// numberBytes is what a record's size estimate charges per number: the
// largest CBOR encoding of one.
const numberBytes = 9

// validateRecord reports why r cannot enter the catalog, wrapping
// ErrInvalidRecord, or nil.
func (c *Config) validateRecord(r *Record) error {
	if err := c.checkRecord(r); err != nil {
		return fmt.Errorf("%w: member %.64q: %w", ErrInvalidRecord, r.Member.ID, err)
	}
	return nil
}

func (c *Config) checkRecord(r *Record) error {
	if err := r.Member.Validate(); err != nil {
		return err
	}
	if !r.Status.valid() {
		return fmt.Errorf("status %v", r.Status)
	}
	if len(r.Datacenter) > MaxDatacenterLen {
		return fmt.Errorf("datacenter of %d bytes exceeds %d", len(r.Datacenter), MaxDatacenterLen)
	}
	if r.livenessOnly() && (r.Datacenter != "" || r.Coordinate != nil || len(r.Services) > 0 || r.Left || r.Key != nil || r.Signature != nil) {
		return errors.New("owner data at owner incarnation 0, version 0")
	}
	if r.Coordinate != nil {
		if err := r.Coordinate.Validate(c.Dimensionality); err != nil {
			return err
		}
	}
	if (len(r.Key) != 0 && len(r.Key) != ed25519.PublicKeySize) || (len(r.Signature) != 0 && len(r.Signature) != ed25519.SignatureSize) {
		return fmt.Errorf("key of %d bytes or signature of %d, want %d and %d", len(r.Key), len(r.Signature), ed25519.PublicKeySize, ed25519.SignatureSize)
	}
	if len(r.Services) > c.MaxServicesPerMember {
		return fmt.Errorf("%d services exceed %d", len(r.Services), c.MaxServicesPerMember)
	}
	size := len(r.Member.ID) + len(r.Member.Addr) + len(r.Datacenter) + len(r.Key) + len(r.Signature) + 5*numberBytes
	if r.Coordinate != nil {
		size += (len(r.Coordinate.Vec) + 3) * numberBytes
	}
	for i := range r.Services {
		s := &r.Services[i]
		if i > 0 && r.Services[i-1].ID >= s.ID {
			return fmt.Errorf("service %.64q out of order or repeated", s.ID)
		}
		n, err := checkService(s)
		if err != nil {
			return fmt.Errorf("service %.64q: %w", s.ID, err)
		}
		size += n
	}
	if size > c.MaxRecordBytes {
		return fmt.Errorf("about %d bytes exceed %d", size, c.MaxRecordBytes)
	}
	return nil
}

// checkService reports what is wrong with s, or its approximate encoded
// size.
func checkService(s *Service) (int, error) {
	switch {
	case s.ID == "" || len(s.ID) > MaxServiceIDLen:
		return 0, fmt.Errorf("ID of %d bytes outside 1..%d", len(s.ID), MaxServiceIDLen)
	case s.Name == "" || len(s.Name) > MaxServiceNameLen:
		return 0, fmt.Errorf("name of %d bytes outside 1..%d", len(s.Name), MaxServiceNameLen)
	case len(s.Address) > overlay.MaxAddrLen:
		return 0, fmt.Errorf("address of %d bytes exceeds %d", len(s.Address), overlay.MaxAddrLen)
	case !s.Health.valid():
		return 0, fmt.Errorf("health %v", s.Health)
	case len(s.Tags) > MaxTagsPerService:
		return 0, fmt.Errorf("%d tags exceed %d", len(s.Tags), MaxTagsPerService)
	case len(s.Meta) > MaxMetaPairs:
		return 0, fmt.Errorf("%d meta pairs exceed %d", len(s.Meta), MaxMetaPairs)
	}
	size := len(s.ID) + len(s.Name) + len(s.Address) + 2*numberBytes
	for _, t := range s.Tags {
		if t == "" || len(t) > MaxTagLen {
			return 0, fmt.Errorf("tag of %d bytes outside 1..%d", len(t), MaxTagLen)
		}
		size += len(t)
	}
	// Sorted, so that the error names the same key whatever the map's
	// iteration order.
	for _, k := range sortedKeys(s.Meta) {
		v := s.Meta[k]
		if k == "" || len(k) > MaxMetaKeyLen || len(v) > MaxMetaValueLen {
			return 0, fmt.Errorf("meta %.64q: key of %d bytes outside 1..%d or value of %d bytes over %d",
				k, len(k), MaxMetaKeyLen, len(v), MaxMetaValueLen)
		}
		size += len(k) + len(v)
	}
	return size, nil
}
