package overlay

import (
	"fmt"
	"math"
)

// Limits bound what a [Codec] accepts from the network, so that a peer
// cannot make a node allocate or recurse without bound. The zero value of
// each field means its default. The same limits also bound what the codec
// sends: [Codec.Marshal] refuses a message its own decoder would reject.
type Limits struct {
	// MaxFrameBytes bounds an envelope in bytes, excluding the frame's
	// length prefix. Default 1 MiB; at most 2^32-1 (the prefix is 32 bits).
	MaxFrameBytes int

	// MaxArrayElements bounds the element count of any CBOR array,
	// anywhere in an envelope. Default 4096; the CBOR decoder accepts 16
	// to 2^31-1.
	MaxArrayElements int

	// MaxMapPairs bounds the key-value pair count of any CBOR map,
	// anywhere in an envelope. Default 1024; the CBOR decoder accepts 16
	// to 2^31-1.
	MaxMapPairs int

	// MaxNestedLevels bounds the nesting depth of arrays and maps,
	// counting the envelope array itself as level 1, so a message body
	// has one level fewer. Default 16; the CBOR decoder accepts 4 to
	// 65535.
	MaxNestedLevels int
}

// Default limits. They cap what a hostile peer can make a node hold or
// recurse through; a protocol that moves bulk state (a catalog full sync of
// thousands of members) must split it into messages that fit.
const (
	DefaultMaxFrameBytes    = 1 << 20
	DefaultMaxArrayElements = 4096
	DefaultMaxMapPairs      = 1024
	DefaultMaxNestedLevels  = 16
)

// Bounds of the fxamacker/cbor decoder options that Limits feed.
const (
	minCBORElements  = 16
	maxCBORElements  = math.MaxInt32
	minCBORNesting   = 4
	maxCBORNesting   = 65535
	maxFrameBytesCap = math.MaxUint32
)

// Validate reports whether every non-zero field of l is usable. Zero fields
// are valid: they stand for their defaults.
func (l Limits) Validate() error {
	checks := []struct {
		name     string
		value    int
		min, max int64
	}{
		{"MaxFrameBytes", l.MaxFrameBytes, 1, maxFrameBytesCap},
		{"MaxArrayElements", l.MaxArrayElements, minCBORElements, maxCBORElements},
		{"MaxMapPairs", l.MaxMapPairs, minCBORElements, maxCBORElements},
		{"MaxNestedLevels", l.MaxNestedLevels, minCBORNesting, maxCBORNesting},
	}
	for _, c := range checks {
		if c.value == 0 {
			continue
		}
		if v := int64(c.value); v < c.min || v > c.max {
			return fmt.Errorf("%w: %s is %d, want 0 (default) or %d to %d",
				ErrInvalidLimits, c.name, c.value, c.min, c.max)
		}
	}
	return nil
}

// withDefaults returns a copy of l with every zero field set to its default.
func (l Limits) withDefaults() Limits {
	orDefault := func(v, def int) int {
		if v == 0 {
			return def
		}
		return v
	}
	return Limits{
		MaxFrameBytes:    orDefault(l.MaxFrameBytes, DefaultMaxFrameBytes),
		MaxArrayElements: orDefault(l.MaxArrayElements, DefaultMaxArrayElements),
		MaxMapPairs:      orDefault(l.MaxMapPairs, DefaultMaxMapPairs),
		MaxNestedLevels:  orDefault(l.MaxNestedLevels, DefaultMaxNestedLevels),
	}
}
