package overlay

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCodecRoundTrip(t *testing.T) {
	c := newTestCodec(t, Limits{})
	for name, m := range sampleMessages() {
		t.Run(name, func(t *testing.T) {
			data, err := c.Marshal(m)
			require.NoError(t, err)
			got, err := c.Unmarshal(data)
			require.NoError(t, err)
			assert.Equal(t, m, got)

			size, err := c.EncodedSize(m)
			require.NoError(t, err)
			assert.Equal(t, len(data), size)
		})
	}
}

func TestCodecRoundTripEmptyContainersComeBackNil(t *testing.T) {
	c := newTestCodec(t, Limits{})
	data, err := c.Marshal(wireSample{Coord: []float64{}, Services: map[string]uint32{}})
	require.NoError(t, err)
	got, err := c.Unmarshal(data)
	require.NoError(t, err)
	assert.Equal(t, wireSample{}, got)
}

func TestCodecMarshalIsDeterministic(t *testing.T) {
	c := newTestCodec(t, Limits{})
	services := make(map[string]uint32)
	for i := range 200 {
		services[fmt.Sprintf("svc-%03d", i)] = uint32(i)
	}
	m := wireSample{Seq: 7, Services: services}
	first, err := c.Marshal(m)
	require.NoError(t, err)
	for range 20 { // Go randomises map iteration; the bytes must not change.
		again, err := c.Marshal(m)
		require.NoError(t, err)
		require.Equal(t, first, again)
	}
}

func TestCodecWireFormat(t *testing.T) {
	c := newTestCodec(t, Limits{})
	m := wirePeers{Peers: []Peer{{ID: "a", Addr: "b"}}, Note: "n"}
	want := unhex(t, ""+
		"84"+ // envelope: array of 4
		"01"+ // version 1
		"18 f0"+ // protocol 240
		"01"+ // type 1
		"a2"+ // body: map of 2
		"01 81 a2 01 61 61 02 61 62"+ // 1: [{1: "a", 2: "b"}]
		"02 61 6e") // 2: "n"

	data, err := c.Marshal(m)
	require.NoError(t, err)
	assert.Equal(t, want, data)

	var frame bytes.Buffer
	require.NoError(t, c.WriteFrame(&frame, m))
	assert.Equal(t, append(unhex(t, "00 00 00 12"), want...), frame.Bytes())
}

func TestCodecUnmarshalErrors(t *testing.T) {
	validBody := rawBody(t, map[int]any{1: []any{map[int]any{1: "a"}}, 2: "note"})
	valid := rawEnvelope(t, 1, wireTestProto, 1, validBody)
	// nested returns depth arrays nested inside each other.
	nested := func(depth int) any {
		var v any = 0
		for range depth {
			v = []any{v}
		}
		return v
	}
	tests := []struct {
		name   string
		limits Limits
		data   []byte
		want   error
	}{
		{name: "empty input", data: nil, want: ErrTruncated},
		{name: "envelope cut short", data: valid[:3], want: ErrTruncated},
		{name: "body cut short", data: valid[:len(valid)-2], want: ErrTruncated},
		{name: "envelope over MaxFrameBytes", limits: Limits{MaxFrameBytes: len(valid) - 1}, data: valid, want: ErrFrameTooLarge},
		{name: "trailing byte", data: append(bytes.Clone(valid), 0x00), want: ErrMalformed},
		{name: "envelope is a map", data: unhex(t, "a1 01 01"), want: ErrMalformed},
		{name: "envelope is an empty array", data: unhex(t, "80"), want: ErrMalformed},
		{name: "version is text", data: rawEnvelope(t, "1", wireTestProto, 1, validBody), want: ErrMalformed},
		{name: "version 0", data: rawEnvelope(t, 0, wireTestProto, 1, validBody), want: ErrUnsupportedVersion},
		{name: "version 2", data: rawEnvelope(t, 2, wireTestProto, 1, validBody), want: ErrUnsupportedVersion},
		{name: "version 2 with another layout", data: rawEnvelope(t, 2, "new", "layout", 1, 2), want: ErrUnsupportedVersion},
		{name: "version alone", data: rawEnvelope(t, 1), want: ErrMalformed},
		{name: "three items", data: rawEnvelope(t, 1, wireTestProto, 1), want: ErrMalformed},
		{name: "five items", data: rawEnvelope(t, 1, wireTestProto, 1, validBody, 0), want: ErrMalformed},
		{name: "protocol over 255", data: rawEnvelope(t, 1, 256, 1, validBody), want: ErrMalformed},
		{name: "negative type", data: rawEnvelope(t, 1, wireTestProto, -1, validBody), want: ErrMalformed},
		{name: "unknown type", data: rawEnvelope(t, 1, wireTestProto, 9, validBody), want: ErrUnknownMessage},
		{name: "unknown protocol", data: rawEnvelope(t, 1, ProtoSWIM, 1, validBody), want: ErrUnknownMessage},
		{name: "protocol 0", data: rawEnvelope(t, 1, 0, 1, validBody), want: ErrUnknownMessage},
		{name: "body is an integer", data: rawEnvelope(t, 1, wireTestProto, 1, rawBody(t, 5)), want: ErrMalformed},
		{name: "field of the wrong type", data: rawEnvelope(t, 1, wireTestProto, 1, rawBody(t, map[int]any{2: 5})), want: ErrMalformed},
		{name: "integer field overflows", data: rawEnvelope(t, 1, wireTestProto, 2, rawBody(t, map[int]any{1: -1})), want: ErrMalformed},
		{name: "duplicate field key", data: rawEnvelope(t, 1, wireTestProto, 1, unhex(t, "a2 02 61 61 02 61 62")), want: ErrMalformed},
		{name: "duplicate unknown key", data: rawEnvelope(t, 1, wireTestProto, 1, unhex(t, "a2 09 00 09 01")), want: ErrMalformed},
		{name: "duplicate key in a map field", data: rawEnvelope(t, 1, wireTestProto, 2, unhex(t, "a1 03 a2 61 77 01 61 77 02")), want: ErrMalformed},
		{name: "indefinite-length envelope", data: unhex(t, "9f 01 18 f0 03 a0 ff"), want: ErrMalformed},
		{name: "indefinite-length array", data: rawEnvelope(t, 1, wireTestProto, 1, unhex(t, "a1 01 9f ff")), want: ErrMalformed},
		{name: "indefinite-length map", data: rawEnvelope(t, 1, wireTestProto, 1, unhex(t, "bf ff")), want: ErrMalformed},
		{name: "indefinite-length string", data: rawEnvelope(t, 1, wireTestProto, 1, unhex(t, "a1 02 7f 61 61 ff")), want: ErrMalformed},
		{name: "tagged body", data: rawEnvelope(t, 1, wireTestProto, 3, unhex(t, "d9 d9f7 a0")), want: ErrMalformed},
		{name: "tagged field", data: rawEnvelope(t, 1, wireTestProto, 1, unhex(t, "a1 02 c0 61 61")), want: ErrMalformed},
		{name: "invalid UTF-8", data: rawEnvelope(t, 1, wireTestProto, 1, unhex(t, "a1 02 62 c3 28")), want: ErrMalformed},
		{name: "NaN", data: rawEnvelope(t, 1, wireTestProto, 2, unhex(t, "a1 02 81 f9 7e 00")), want: ErrMalformed},
		{name: "infinity", data: rawEnvelope(t, 1, wireTestProto, 2, unhex(t, "a1 02 81 f9 7c 00")), want: ErrMalformed},
		{name: "reserved simple value", data: unhex(t, "84 01 18 f0 03 f8 18"), want: ErrMalformed},
		{
			name: "nesting too deep in an unknown field",
			data: rawEnvelope(t, 1, wireTestProto, 1, rawBody(t, map[int]any{9: nested(DefaultMaxNestedLevels)})),
			want: ErrMalformed,
		},
		{
			name: "array too long in an unknown field",
			data: rawEnvelope(t, 1, wireTestProto, 1, rawBody(t, map[int]any{9: make([]int, DefaultMaxArrayElements+1)})),
			want: ErrMalformed,
		},
		{
			name:   "peer list too long",
			limits: Limits{MaxArrayElements: 16},
			data:   rawEnvelope(t, 1, wireTestProto, 1, rawBody(t, wirePeers{Peers: make([]Peer, 17)})),
			want:   ErrMalformed,
		},
		{
			name:   "map too large",
			limits: Limits{MaxMapPairs: 16},
			data:   rawEnvelope(t, 1, wireTestProto, 2, rawBody(t, wireSample{Services: services(17)})),
			want:   ErrMalformed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCodec(t, tt.limits)
			m, err := c.Unmarshal(tt.data)
			requireDecodeError(t, err, tt.want)
			assert.Nil(t, m)
		})
	}
}

// services returns a service map of n entries.
func services(n int) map[string]uint32 {
	m := make(map[string]uint32, n)
	for i := range n {
		m[fmt.Sprintf("s%d", i)] = uint32(i)
	}
	return m
}

func TestCodecLimitsAreExact(t *testing.T) {
	l := Limits{MaxArrayElements: 20, MaxMapPairs: 18, MaxNestedLevels: 6}
	c := newTestCodec(t, l)
	// nested wraps depth levels of arrays in the unknown field 9 of a body;
	// with the envelope and the body, that is depth+2 levels.
	nested := func(depth int) []byte {
		var v any = 0
		for range depth {
			v = []any{v}
		}
		return rawEnvelope(t, 1, wireTestProto, 1, rawBody(t, map[int]any{9: v}))
	}
	tests := []struct {
		name       string
		fits, over []byte
	}{
		{
			name: "array elements",
			fits: rawEnvelope(t, 1, wireTestProto, 1, rawBody(t, wirePeers{Peers: make([]Peer, l.MaxArrayElements)})),
			over: rawEnvelope(t, 1, wireTestProto, 1, rawBody(t, wirePeers{Peers: make([]Peer, l.MaxArrayElements+1)})),
		},
		{
			name: "map pairs",
			fits: rawEnvelope(t, 1, wireTestProto, 2, rawBody(t, wireSample{Services: services(l.MaxMapPairs)})),
			over: rawEnvelope(t, 1, wireTestProto, 2, rawBody(t, wireSample{Services: services(l.MaxMapPairs + 1)})),
		},
		{
			name: "nested levels",
			fits: nested(l.MaxNestedLevels - 2),
			over: nested(l.MaxNestedLevels - 1),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Unmarshal(tt.fits)
			require.NoError(t, err)
			_, err = c.Unmarshal(tt.over)
			requireDecodeError(t, err, ErrMalformed)
		})
	}
}

func TestCodecIgnoresUnknownFields(t *testing.T) {
	c := newTestCodec(t, Limits{})
	body := rawBody(t, map[any]any{2: "kept", 7: []any{"from", "a", "newer", "peer"}, "name": 1})
	got, err := c.Unmarshal(rawEnvelope(t, 1, wireTestProto, 1, body))
	require.NoError(t, err)
	assert.Equal(t, wirePeers{Note: "kept"}, got)
}

func TestCodecMarshalErrors(t *testing.T) {
	small := Limits{MaxFrameBytes: 64, MaxArrayElements: 16}
	tests := []struct {
		name string
		msg  Message
		want error
	}{
		{name: "nil", msg: nil, want: ErrUnknownMessage},
		{name: "pointer to a registered type", msg: &wirePeers{}, want: ErrUnknownMessage},
		{name: "nil pointer", msg: (*wirePeers)(nil), want: ErrUnknownMessage},
		{name: "unregistered type", msg: wireUnregistered{}, want: ErrUnknownMessage},
		{name: "another type's wire kind", msg: wireImpostor{Note: "x"}, want: ErrUnknownMessage},
		{name: "over MaxFrameBytes", msg: wirePeers{Note: strings.Repeat("x", 64)}, want: ErrFrameTooLarge},
		{name: "over MaxArrayElements", msg: wirePeers{Peers: make([]Peer, 17)}, want: ErrMalformed},
		{name: "NaN", msg: wireSample{Coord: []float64{math.NaN()}}, want: ErrMalformed},
		{name: "infinity", msg: wireSample{Coord: []float64{math.Inf(-1)}}, want: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCodec(t, small)
			data, err := c.Marshal(tt.msg)
			requireDecodeError(t, err, tt.want)
			assert.Nil(t, data)

			size, err := c.EncodedSize(tt.msg)
			requireDecodeError(t, err, tt.want)
			assert.Zero(t, size)

			var w bytes.Buffer
			requireDecodeError(t, c.WriteFrame(&w, tt.msg), tt.want)
			assert.Zero(t, w.Len(), "nothing written for a message that cannot be sent")
		})
	}
}

func TestNewCodec(t *testing.T) {
	t.Run("fills defaults", func(t *testing.T) {
		c, err := NewCodec(Limits{MaxMapPairs: 64}, NewRegistry())
		require.NoError(t, err)
		assert.Equal(t, Limits{
			MaxFrameBytes:    DefaultMaxFrameBytes,
			MaxArrayElements: DefaultMaxArrayElements,
			MaxMapPairs:      64,
			MaxNestedLevels:  DefaultMaxNestedLevels,
		}, c.Limits())
	})
	t.Run("rejects invalid limits", func(t *testing.T) {
		_, err := NewCodec(Limits{MaxNestedLevels: 2}, NewRegistry())
		require.ErrorIs(t, err, ErrInvalidLimits)
	})
	t.Run("rejects a nil registry", func(t *testing.T) {
		_, err := NewCodec(Limits{}, nil)
		require.ErrorIs(t, err, ErrInvalidRegistration)
	})
}

func TestLimitsValidate(t *testing.T) {
	tests := []struct {
		name  string
		l     Limits
		valid bool
	}{
		{name: "zero means defaults", l: Limits{}, valid: true},
		{name: "smallest accepted", l: Limits{MaxFrameBytes: 1, MaxArrayElements: 16, MaxMapPairs: 16, MaxNestedLevels: 4}, valid: true},
		{name: "largest accepted", l: Limits{MaxFrameBytes: math.MaxUint32, MaxArrayElements: math.MaxInt32, MaxMapPairs: math.MaxInt32, MaxNestedLevels: 65535}, valid: true},
		{name: "negative frame size", l: Limits{MaxFrameBytes: -1}},
		{name: "frame size beyond the 32-bit prefix", l: Limits{MaxFrameBytes: math.MaxUint32 + 1}},
		{name: "too few array elements", l: Limits{MaxArrayElements: 15}},
		{name: "too few map pairs", l: Limits{MaxMapPairs: 15}},
		{name: "too many map pairs", l: Limits{MaxMapPairs: math.MaxInt32 + 1}},
		{name: "too shallow", l: Limits{MaxNestedLevels: 3}},
		{name: "too deep", l: Limits{MaxNestedLevels: 65536}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.l.Validate()
			if tt.valid {
				require.NoError(t, err)
				_, err = NewCodec(tt.l, NewRegistry())
				require.NoError(t, err, "every valid Limits builds a codec")
				return
			}
			require.ErrorIs(t, err, ErrInvalidLimits)
		})
	}
}

// wireLate is registered while the codec is in use.
type wireLate struct {
	N int `cbor:"1,keyasint,omitempty"`
}

func (wireLate) Protocol() Protocol { return wireTestProto }
func (wireLate) Type() MsgType      { return 4 }

func TestCodecConcurrentUse(t *testing.T) {
	r := NewRegistry()
	require.NoError(t, Register[wirePeers](r))
	c, err := NewCodec(Limits{}, r)
	require.NoError(t, err)

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				m := wirePeers{Peers: []Peer{{ID: NodeID(fmt.Sprint(g))}}, Note: fmt.Sprint(i)}
				data, err := c.Marshal(m)
				if !assert.NoError(t, err) {
					return
				}
				got, err := c.Unmarshal(data)
				if !assert.NoError(t, err) || !assert.Equal(t, m, got) {
					return
				}
			}
		})
	}
	wg.Go(func() { assert.NoError(t, Register[wireLate](r)) })
	wg.Wait()

	data, err := c.Marshal(wireLate{N: 3})
	require.NoError(t, err)
	got, err := c.Unmarshal(data)
	require.NoError(t, err)
	assert.Equal(t, wireLate{N: 3}, got)
}

// TestRawEnvelopeMatchesCodec anchors the error table: rawEnvelope writes
// what the codec writes, so each bad input differs from a valid one only
// where its case says.
func TestRawEnvelopeMatchesCodec(t *testing.T) {
	c := newTestCodec(t, Limits{})
	m := wirePeers{Peers: []Peer{{ID: "a"}}, Note: "note"}
	data, err := c.Marshal(m)
	require.NoError(t, err)
	body, err := cbor.Marshal(m)
	require.NoError(t, err)
	assert.Equal(t, data, rawEnvelope(t, 1, wireTestProto, 1, cbor.RawMessage(body)))
}
