package catalog

import (
	"errors"
	"fmt"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// ErrInvalidConfig reports a [Config] that [New] cannot run with.
var ErrInvalidConfig = errors.New("catalog: invalid config")

// References quoted by the defaults:
//
//	[serf]   hashicorp/serf, serf.DefaultConfig: ReconnectTimeout and
//	         TombstoneTimeout, both 24 h.
//	[Consul] HashiCorp Consul, agent configuration and service definition
//	         limits (node and service meta: 64 pairs, keys of 128 bytes,
//	         values of 512 bytes).
const (
	// DefaultMaxMembers bounds the catalog of a cluster of "thousands of
	// machines" (ARCHITECTURE.md) with two orders of magnitude to spare.
	DefaultMaxMembers = 100_000
	// DefaultMaxServicesPerMember is generous for one machine.
	DefaultMaxServicesPerMember = 256
	// DefaultMaxRecordBytes bounds one record's approximate encoded size
	// (see [Config.MaxRecordBytes]): 256 services of about 500 bytes each.
	DefaultMaxRecordBytes = 128 << 10
	// DefaultDeadRetention is how long a dead or left member is kept
	// before it may be forgotten, serf's reconnect and tombstone timeout
	// [serf]. It is also the window in which the runtime tries to
	// reconnect to dead members.
	DefaultDeadRetention = 24 * time.Hour
)

// maxDimensionality is the largest dimensionality package vivaldi accepts.
const maxDimensionality = 64

// maxRecordBytesCap keeps a record, with its broadcast envelope, within a
// default overlay frame.
const maxRecordBytesCap = overlay.DefaultMaxFrameBytes / 2

// Config configures a [Catalog]. The zero value of every field except Self
// means its default; [New] fills the defaults into its own copy and never
// modifies the caller's struct. References are listed above
// [DefaultMaxMembers].
type Config struct {
	// Self is this node's ID. Its record is never forgotten, and its
	// datacenter and coordinate are a [Query]'s defaults. Required.
	Self overlay.NodeID

	// MaxMembers bounds the records held, whatever their status (default
	// 100,000). A record of a new member beyond it is refused with
	// [ErrFull].
	MaxMembers int
	// MaxServicesPerMember bounds Record.Services (default 256); at most
	// overlay.DefaultMaxArrayElements, the wire's array limit.
	MaxServicesPerMember int
	// MaxRecordBytes bounds a record's approximate encoded size: the bytes
	// of all its strings plus 9 per number (default 128 KiB, at most half
	// of overlay.DefaultMaxFrameBytes), so that every record accepted can
	// be broadcast again.
	MaxRecordBytes int
	// MaxTombstones bounds the tombstones kept of forgotten members
	// (default MaxMembers); past it the oldest is dropped. Each costs
	// about 100 bytes plus the length of the ID.
	MaxTombstones int
	// DeadRetention is how long a dead or left record is kept after its
	// last change before [Catalog.Expire] forgets it (default 24 h
	// [serf]).
	DeadRetention time.Duration
	// Dimensionality is the number of components of a valid coordinate
	// (default vivaldi.DefaultDimensionality); it must match the Vivaldi
	// configuration of the cluster.
	Dimensionality int
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	overlay.SetDefault(&c.MaxMembers, DefaultMaxMembers)
	overlay.SetDefault(&c.MaxServicesPerMember, DefaultMaxServicesPerMember)
	overlay.SetDefault(&c.MaxRecordBytes, DefaultMaxRecordBytes)
	overlay.SetDefault(&c.MaxTombstones, c.MaxMembers)
	overlay.SetDefault(&c.DeadRetention, DefaultDeadRetention)
	overlay.SetDefault(&c.Dimensionality, vivaldi.DefaultDimensionality)
	return c
}

// Validate reports the first nonsensical field of c, after defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	if err := (overlay.Peer{ID: c.Self}).Validate(); err != nil {
		return fmt.Errorf("%w: Self: %w", ErrInvalidConfig, err)
	}
	switch {
	case c.MaxMembers < 1:
		return fmt.Errorf("%w: MaxMembers %d < 1", ErrInvalidConfig, c.MaxMembers)
	case c.MaxServicesPerMember < 1 || c.MaxServicesPerMember > overlay.DefaultMaxArrayElements:
		return fmt.Errorf("%w: MaxServicesPerMember %d outside 1..%d", ErrInvalidConfig, c.MaxServicesPerMember, overlay.DefaultMaxArrayElements)
	case c.MaxRecordBytes < 1 || c.MaxRecordBytes > maxRecordBytesCap:
		return fmt.Errorf("%w: MaxRecordBytes %d outside 1..%d", ErrInvalidConfig, c.MaxRecordBytes, maxRecordBytesCap)
	case c.MaxTombstones < 1:
		return fmt.Errorf("%w: MaxTombstones %d < 1", ErrInvalidConfig, c.MaxTombstones)
	case c.DeadRetention < 0:
		return fmt.Errorf("%w: negative DeadRetention %v", ErrInvalidConfig, c.DeadRetention)
	case c.Dimensionality < 1 || c.Dimensionality > maxDimensionality:
		return fmt.Errorf("%w: Dimensionality %d outside 1..%d", ErrInvalidConfig, c.Dimensionality, maxDimensionality)
	}
	return nil
}
