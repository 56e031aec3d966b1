package overlay

import (
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/require"
)

// wireTestProto is the protocol number the codec tests register their
// messages under; no real protocol uses it.
const wireTestProto Protocol = 0xF0

// wirePeers carries a peer list, like a shuffle or a join reply.
type wirePeers struct {
	Peers []Peer `cbor:"1,keyasint,omitempty"`
	Note  string `cbor:"2,keyasint,omitempty"`
}

func (wirePeers) Protocol() Protocol { return wireTestProto }
func (wirePeers) Type() MsgType      { return 1 }

// wireSample carries numbers, a map and an optional peer, like a probe ack
// with a coordinate.
type wireSample struct {
	Seq      uint64            `cbor:"1,keyasint,omitempty"`
	Coord    []float64         `cbor:"2,keyasint,omitempty"`
	Services map[string]uint32 `cbor:"3,keyasint,omitempty"`
	Origin   *Peer             `cbor:"4,keyasint,omitempty"`
}

func (wireSample) Protocol() Protocol { return wireTestProto }
func (wireSample) Type() MsgType      { return 2 }

// wireEmpty has no fields, like a bare acknowledgement.
type wireEmpty struct{}

func (wireEmpty) Protocol() Protocol { return wireTestProto }
func (wireEmpty) Type() MsgType      { return 3 }

// wireUnregistered is never registered with the test codec.
type wireUnregistered struct{}

func (wireUnregistered) Protocol() Protocol { return wireTestProto }
func (wireUnregistered) Type() MsgType      { return 9 }

// wireImpostor claims the wire kind of wirePeers.
type wireImpostor struct{ Note string }

func (wireImpostor) Protocol() Protocol { return wireTestProto }
func (wireImpostor) Type() MsgType      { return 1 }

// newTestCodec returns a codec with wirePeers, wireSample and wireEmpty
// registered.
func newTestCodec(tb testing.TB, l Limits) *Codec {
	tb.Helper()
	r := NewRegistry()
	require.NoError(tb, Register[wirePeers](r))
	require.NoError(tb, Register[wireSample](r))
	require.NoError(tb, Register[wireEmpty](r))
	c, err := NewCodec(l, r)
	require.NoError(tb, err)
	return c
}

// sampleMessages returns registered messages that exercise every field kind.
func sampleMessages() map[string]Message {
	return map[string]Message{
		"peers zero":  wirePeers{},
		"peers full":  wirePeers{Peers: []Peer{{ID: "a", Addr: "10.0.0.1:7946"}, {ID: "b"}}, Note: "héllo, 世界"},
		"sample zero": wireSample{},
		"sample full": wireSample{
			Seq:      1<<64 - 1,
			Coord:    []float64{-0.5, 1e-300, 123456.789, 0},
			Services: map[string]uint32{"web": 80, "dns": 53, "db": 5432, "": 0},
			Origin:   &Peer{ID: "origin"},
		},
		"empty": wireEmpty{},
	}
}

// unhex decodes hex written with spaces between bytes for readability.
func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(tb, err)
	return b
}

// rawEnvelope encodes an envelope from arbitrary items, bypassing the
// codec's checks, so that tests can build envelopes it would never write.
func rawEnvelope(tb testing.TB, items ...any) []byte {
	tb.Helper()
	b, err := cbor.Marshal(items)
	require.NoError(tb, err)
	return b
}

// rawBody encodes v with the library defaults, for use as an envelope body.
func rawBody(tb testing.TB, v any) cbor.RawMessage {
	tb.Helper()
	b, err := cbor.Marshal(v)
	require.NoError(tb, err)
	return b
}

var decodeSentinels = []error{ErrFrameTooLarge, ErrTruncated, ErrMalformed, ErrUnsupportedVersion, ErrUnknownMessage}

// requireDecodeError asserts that err wraps want and no other decode
// sentinel, and that it cannot be mistaken for a clean end of stream.
func requireDecodeError(tb testing.TB, err, want error) {
	tb.Helper()
	require.ErrorIs(tb, err, want)
	requireOneSentinel(tb, err)
}

// requireOneSentinel asserts that err wraps exactly one decode sentinel and
// not io.EOF.
func requireOneSentinel(tb testing.TB, err error) {
	tb.Helper()
	var matched []error
	for _, s := range decodeSentinels {
		if errors.Is(err, s) {
			matched = append(matched, s)
		}
	}
	require.Len(tb, matched, 1, "error %q wraps %v", err, matched)
	require.NotErrorIs(tb, err, io.EOF)
}

// requireWireEqual asserts that got is want after a trip over the wire. The
// one difference a trip may make is that an empty slice or map comes back
// nil: omitempty leaves it out, and an absent field decodes as nil.
func requireWireEqual(tb testing.TB, want, got Message) {
	tb.Helper()
	require.Equal(tb, withNilEmpties(want), withNilEmpties(got))
}

// withNilEmpties returns a copy of m in which every empty slice or map is
// nil. The copy is shallow: it may rewrite slices and maps shared with m.
func withNilEmpties(m Message) Message {
	v := reflect.New(reflect.TypeOf(m)).Elem()
	v.Set(reflect.ValueOf(m))
	nilEmpties(v)
	return v.Interface().(Message)
}

func nilEmpties(v reflect.Value) {
	switch v.Kind() {
	case reflect.Slice:
		if v.Len() == 0 {
			v.SetZero()
			return
		}
		for i := range v.Len() {
			nilEmpties(v.Index(i))
		}
	case reflect.Map:
		if v.Len() == 0 {
			v.SetZero()
			return
		}
		iter := v.MapRange()
		for iter.Next() {
			elem := reflect.New(v.Type().Elem()).Elem()
			elem.Set(iter.Value())
			nilEmpties(elem)
			v.SetMapIndex(iter.Key(), elem)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			nilEmpties(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				nilEmpties(f)
			}
		}
	}
}
