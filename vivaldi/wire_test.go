package vivaldi

import (
	"math"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/require"
)

func TestCoordinateTravelsCompactThroughCBOR(t *testing.T) {
	for _, c := range []Coordinate{
		{Vec: []float64{0.012, -0.5, 0, 1e-9}, Error: 0.3, Adjustment: -0.002, Height: 0.004},
		{Vec: []float64{0, 0}, Error: 1.5, Height: 1e-5},
		{Vec: []float64{1e6, -1e6}, Error: 1e6, Adjustment: -1e6, Height: 1e6},
	} {
		b, err := cbor.Marshal(c)
		require.NoError(t, err)
		var raw []byte
		require.NoError(t, cbor.Unmarshal(b, &raw), "a byte string on the wire")
		var got Coordinate
		require.NoError(t, cbor.Unmarshal(b, &got))
		// Every field comes back rounded to a microsecond (a millionth for
		// the error).
		require.Len(t, got.Vec, len(c.Vec))
		for i := range c.Vec {
			require.InDelta(t, c.Vec[i], got.Vec[i], 0.5e-6)
		}
		require.InDelta(t, c.Error, got.Error, 0.5e-6)
		require.InDelta(t, c.Adjustment, got.Adjustment, 0.5e-6)
		require.InDelta(t, c.Height, got.Height, 0.5e-6)
		again, err := cbor.Marshal(got)
		require.NoError(t, err)
		require.Equal(t, b, again, "a decoded coordinate encodes to the same bytes")
	}
}

func TestCompactCoordinateIsSmall(t *testing.T) {
	// An 8-dimensional coordinate of PlanetLab's scale: components of up
	// to a few hundred milliseconds.
	c := Coordinate{Vec: []float64{0.151, -0.093, 0.042, -0.011, 0.007, 0.066, -0.12, 0.003}, Error: 0.12, Adjustment: -0.004, Height: 0.009}
	compact, err := cbor.Marshal(c)
	require.NoError(t, err)
	type mapForm struct {
		Vec        []float64 `cbor:"1,keyasint,omitempty"`
		Error      float64   `cbor:"2,keyasint,omitempty"`
		Adjustment float64   `cbor:"3,keyasint,omitempty"`
		Height     float64   `cbor:"4,keyasint,omitempty"`
	}
	old, err := cbor.Marshal(mapForm(c))
	require.NoError(t, err)
	require.Less(t, len(compact), 40)
	require.Greater(t, len(old), 2*len(compact))
}

func TestMapFormOfCoordinateStillDecodes(t *testing.T) {
	// The form nodes sent before the compact one: a map keyed 1..4.
	b, err := cbor.Marshal(map[int]any{1: []float64{0.012, -0.5}, 2: 0.3, 3: -0.002, 4: 0.004})
	require.NoError(t, err)
	var got Coordinate
	require.NoError(t, cbor.Unmarshal(b, &got))
	require.Equal(t, Coordinate{Vec: []float64{0.012, -0.5}, Error: 0.3, Adjustment: -0.002, Height: 0.004}, got)
}

func TestMarshalBinaryRefusesInvalidCoordinates(t *testing.T) {
	for _, c := range []Coordinate{
		{Vec: []float64{math.NaN()}},
		{Vec: []float64{0}, Height: -1},
		{Vec: []float64{0}, Error: -1},
		{Vec: []float64{2e6}},
		{Vec: make([]float64, maxDimensionality+1)},
	} {
		_, err := c.MarshalBinary()
		require.ErrorIs(t, err, ErrInvalidCoordinate, "%+v", c)
	}
}

func TestUnmarshalBinaryRefusesMalformedBytes(t *testing.T) {
	good, err := Coordinate{Vec: []float64{0.01, 0.02}, Error: 0.5, Height: 1e-5}.MarshalBinary()
	require.NoError(t, err)
	for name, b := range map[string][]byte{
		"empty":         {},
		"format 2":      append([]byte{2}, good[1:]...),
		"65 dimensions": {compactFormat, 65},
		"truncated":     good[:len(good)-1],
		"left over":     append(append([]byte(nil), good...), 0),
		"out of bounds": {compactFormat, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0},
	} {
		var c Coordinate
		require.ErrorIs(t, c.UnmarshalBinary(b), ErrMalformedCoordinate, name)
		require.Zero(t, c.Vec, name)
	}
}

// FuzzCoordinateUnmarshalBinary feeds arbitrary bytes to the compact
// decoder: it must never panic, and whatever it accepts is a valid
// coordinate of the dimensionality it declares, which encodes and decodes
// back to itself.
func FuzzCoordinateUnmarshalBinary(f *testing.F) {
	good, err := Coordinate{Vec: []float64{0.151, -0.093, 0.042}, Error: 0.12, Adjustment: -0.004, Height: 0.009}.MarshalBinary()
	require.NoError(f, err)
	f.Add(good)
	f.Add([]byte{compactFormat, 0, 0, 0, 0})
	f.Add([]byte{compactFormat, 1, 0x80, 0x00, 0, 0, 0})
	f.Add([]byte{compactFormat, 64})
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Coordinate
		if c.UnmarshalBinary(data) != nil {
			return
		}
		require.NoError(t, c.Validate(int(data[1])))
		b, err := c.MarshalBinary()
		require.NoError(t, err)
		var back Coordinate
		require.NoError(t, back.UnmarshalBinary(b))
		require.Equal(t, c, back)
	})
}

func TestRoundedIsWhatTheWireDelivers(t *testing.T) {
	c := Coordinate{Vec: []float64{0.1234567891, -0.0000004}, Error: 0.33333333, Adjustment: -0.0012345678, Height: 0.0000123456}
	b, err := cbor.Marshal(c)
	require.NoError(t, err)
	var got Coordinate
	require.NoError(t, cbor.Unmarshal(b, &got))
	require.Equal(t, got, c.Rounded())
}
