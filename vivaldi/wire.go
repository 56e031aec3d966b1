package vivaldi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrMalformedCoordinate reports bytes [Coordinate.UnmarshalBinary] cannot
// read.
var ErrMalformedCoordinate = errors.New("vivaldi: malformed coordinate")

// The compact wire form of a coordinate, which MarshalBinary writes:
//
//	format   byte     compactFormat
//	dims     byte     number of components, at most 64
//	vec      varint…  each component, in microseconds (zigzag)
//	error    uvarint  the error estimate, in millionths
//	adjust   varint   the adjustment, in microseconds (zigzag)
//	height   uvarint  the height, in microseconds
//
// A CBOR encoder that honours encoding.BinaryMarshaler (the overlay codec
// does) sends it as a byte string: an 8-dimensional coordinate on
// PlanetLab takes about 35 bytes where the CBOR map of float64s took about
// 110. Rounding to a microsecond moves an estimate by less than 2 µs at 8
// dimensions, far below any RTT a node measures. The earlier form, a CBOR
// map keyed by the struct tags of [Coordinate], still decodes, since a
// CBOR decoder only hands byte strings to UnmarshalBinary; a new layout
// takes a new format byte.
const compactFormat = 1

// unitsPerSecond sets the resolution of the compact form: a microsecond,
// and a millionth of the dimensionless error.
const unitsPerSecond = 1e6

// MarshalBinary returns c in the compact wire form. Every field must be
// bounded as [Coordinate.Validate] requires, with neither error nor height
// negative, and at most 64 components.
func (c Coordinate) MarshalBinary() ([]byte, error) {
	if len(c.Vec) > maxDimensionality {
		return nil, fmt.Errorf("%w: %d dimensions, at most %d", ErrInvalidCoordinate, len(c.Vec), maxDimensionality)
	}
	if err := c.Validate(len(c.Vec)); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 2+binary.MaxVarintLen32*(len(c.Vec)+3))
	b = append(b, compactFormat, byte(len(c.Vec)))
	for _, v := range c.Vec {
		b = binary.AppendVarint(b, toUnits(v))
	}
	b = binary.AppendUvarint(b, uint64(toUnits(c.Error)))
	b = binary.AppendVarint(b, toUnits(c.Adjustment))
	return binary.AppendUvarint(b, uint64(toUnits(c.Height))), nil
}

// UnmarshalBinary reads the compact wire form into c. It refuses, with an
// error wrapping [ErrMalformedCoordinate], an unknown format, more than 64
// components, a truncated or overlong varint, a value beyond the bounds of
// [Coordinate.Validate], and bytes left over.
func (c *Coordinate) UnmarshalBinary(data []byte) error {
	if len(data) < 2 || data[0] != compactFormat || int(data[1]) > maxDimensionality {
		return fmt.Errorf("%w: bad header", ErrMalformedCoordinate)
	}
	r := compactReader{rest: data[2:]}
	var out Coordinate
	if dims := int(data[1]); dims > 0 {
		out.Vec = make([]float64, dims)
	}
	for i := range out.Vec {
		out.Vec[i] = r.signed()
	}
	out.Error, out.Adjustment, out.Height = r.unsigned(), r.signed(), r.unsigned()
	if r.err != nil {
		return r.err
	}
	if len(r.rest) > 0 {
		return fmt.Errorf("%w: %d bytes left over", ErrMalformedCoordinate, len(r.rest))
	}
	*c = out
	return nil
}

// toUnits rounds seconds (or the error) to whole units.
func toUnits(v float64) int64 { return int64(math.Round(v * unitsPerSecond)) }

// compactReader reads the varints of a compact coordinate, keeping the
// first error.
type compactReader struct {
	rest []byte
	err  error
}

func (r *compactReader) signed() float64 {
	v, n := binary.Varint(r.rest)
	return r.value(float64(v), n)
}

func (r *compactReader) unsigned() float64 {
	v, n := binary.Uvarint(r.rest)
	return r.value(float64(v), n)
}

// value converts a varint of n bytes to seconds, checking it.
func (r *compactReader) value(units float64, n int) float64 {
	if r.err != nil {
		return 0
	}
	if n <= 0 {
		r.err = fmt.Errorf("%w: truncated or overlong varint", ErrMalformedCoordinate)
		return 0
	}
	r.rest = r.rest[n:]
	v := units / unitsPerSecond
	if !isBounded(v) {
		r.err = fmt.Errorf("%w: value %v out of bounds", ErrMalformedCoordinate, v)
		return 0
	}
	return v
}

// Rounded returns c as it arrives after the compact wire form: every
// field rounded to a microsecond (the error to a millionth). A node keeps
// its own record with the rounded coordinate, so that its catalog hashes
// the record as every other catalog does.
func (c Coordinate) Rounded() Coordinate {
	c = c.clone()
	for i, v := range c.Vec {
		c.Vec[i] = float64(toUnits(v)) / unitsPerSecond
	}
	c.Error = float64(toUnits(c.Error)) / unitsPerSecond
	c.Adjustment = float64(toUnits(c.Adjustment)) / unitsPerSecond
	c.Height = float64(toUnits(c.Height)) / unitsPerSecond
	return c
}
