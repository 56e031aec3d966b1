package overlay

import (
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/fxamacker/cbor/v2"
)

// WireVersion is the envelope version this codec writes, and the only one
// it reads. A change to the envelope layout that old nodes cannot decode
// takes a new version; new message types and new message fields do not.
const WireVersion uint8 = 1

// envelopeItems is the length of a version-1 envelope array.
const envelopeItems = 4

// Envelope is what goes on the wire: the CBOR array
// [version, protocol, type, body], where body is the message struct encoded
// as a CBOR map keyed by small integers.
type Envelope struct {
	_        struct{} `cbor:",toarray"`
	Version  uint8
	Protocol Protocol
	Type     MsgType
	Body     cbor.RawMessage
}

// Codec turns registered messages into envelopes and back, enforcing
// [Limits] on everything it decodes. A Codec is safe for concurrent use.
//
// Encoding is deterministic (RFC 8949 core deterministic encoding: shortest
// integers and floats, map keys sorted bytewise, no indefinite lengths), so
// equal messages give equal bytes.
//
// Decoding is strict about form and lenient about content. It rejects
// indefinite-length items, tags, duplicate map keys, invalid UTF-8, NaN and
// infinities, bytes after the envelope, and anything beyond the limits, all
// as [ErrMalformed]. It ignores map keys that name no field of the message
// struct, so a node can add a field without breaking older peers.
type Codec struct {
	limits Limits
	reg    *Registry
	enc    cbor.EncMode
	dec    cbor.DecMode
}

// NewCodec returns a codec that decodes the messages registered in r under
// limits l, whose zero fields take their defaults. The codec reads r on
// every call, so types registered later are known to it too.
func NewCodec(l Limits, r *Registry) (*Codec, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, fmt.Errorf("%w: nil registry", ErrInvalidRegistration)
	}
	l = l.withDefaults()

	encOpts := cbor.CoreDetEncOptions()
	encOpts.TagsMd = cbor.TagsForbidden
	encOpts.NaNConvert = cbor.NaNConvertReject
	encOpts.InfConvert = cbor.InfConvertReject
	enc, err := encOpts.EncMode()
	if err != nil {
		return nil, fmt.Errorf("overlay: CBOR encoder options: %w", err)
	}

	dec, err := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		MaxNestedLevels:   l.MaxNestedLevels,
		MaxArrayElements:  l.MaxArrayElements,
		MaxMapPairs:       l.MaxMapPairs,
		ExtraReturnErrors: cbor.ExtraDecErrorNone, // unknown fields are skipped
		UTF8:              cbor.UTF8RejectInvalid,
		NaN:               cbor.NaNDecodeForbidden,
		Inf:               cbor.InfDecodeForbidden,
	}.DecMode()
	if err != nil {
		return nil, fmt.Errorf("overlay: CBOR decoder options: %w", err)
	}
	return &Codec{limits: l, reg: r, enc: enc, dec: dec}, nil
}

// Limits returns the limits the codec enforces, defaults filled in.
func (c *Codec) Limits() Limits { return c.limits }

// Marshal returns the envelope bytes of m, without a frame length prefix.
// m must be a value of the struct type registered for its (protocol, type)
// pair; anything else fails with [ErrUnknownMessage]. Marshal also refuses
// an envelope that its own decoder would reject: one over MaxFrameBytes
// fails with [ErrFrameTooLarge]; one beyond the other limits, holding NaN
// or an infinity, or not encodable at all fails with [ErrMalformed].
// Strings are not checked for valid UTF-8; a peer rejects a message that
// holds an invalid one.
func (c *Codec) Marshal(m Message) ([]byte, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: nil message", ErrUnknownMessage)
	}
	goType := reflect.TypeOf(m)
	if goType.Kind() != reflect.Struct {
		// Checked before calling m's methods, which a nil pointer could not answer.
		return nil, fmt.Errorf("%w: %s is not a struct type; send messages as values", ErrUnknownMessage, goType)
	}
	k := kindOf(m)
	reg, ok := c.reg.lookup(k)
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: %s (%s) is not registered", ErrUnknownMessage, k, goType)
	case reg.goType != goType:
		return nil, fmt.Errorf("%w: %s is registered as %s, not %s", ErrUnknownMessage, k, reg.goType, goType)
	}

	body, err := c.enc.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot encode %s body: %w", ErrMalformed, k, err)
	}
	data, err := c.enc.Marshal(Envelope{Version: WireVersion, Protocol: k.protocol, Type: k.msgType, Body: body})
	if err != nil {
		return nil, fmt.Errorf("%w: cannot encode %s envelope: %w", ErrMalformed, k, err)
	}
	if len(data) > c.limits.MaxFrameBytes {
		return nil, fmt.Errorf("%w: %s encodes to %d bytes, limit is %d", ErrFrameTooLarge, k, len(data), c.limits.MaxFrameBytes)
	}
	if err := c.dec.Wellformed(data); err != nil {
		return nil, fmt.Errorf("%w: %s would be rejected by its receiver: %w", ErrMalformed, k, err)
	}
	return data, nil
}

// EncodedSize returns the length in bytes of m's envelope, as [Codec.Marshal]
// would produce it, and fails whenever Marshal would. A frame on a stream
// takes [FrameHeaderLen] bytes more.
func (c *Codec) EncodedSize(m Message) (int, error) {
	data, err := c.Marshal(m)
	if err != nil {
		return 0, err
	}
	return len(data), nil
}

// Unmarshal decodes one envelope, which must fill data exactly, and returns
// its body as a value of the registered message type. Every failure wraps
// exactly one of [ErrFrameTooLarge], [ErrTruncated], [ErrMalformed],
// [ErrUnsupportedVersion] or [ErrUnknownMessage].
func (c *Codec) Unmarshal(data []byte) (Message, error) {
	if len(data) > c.limits.MaxFrameBytes {
		return nil, fmt.Errorf("%w: envelope of %d bytes, limit is %d", ErrFrameTooLarge, len(data), c.limits.MaxFrameBytes)
	}
	env, err := c.decodeEnvelope(data)
	if err != nil {
		return nil, err
	}
	k := wireKind{protocol: env.Protocol, msgType: env.Type}
	reg, ok := c.reg.lookup(k)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownMessage, k)
	}
	m, err := reg.decode(c.dec, env.Body)
	if err != nil {
		return nil, decodeFailure(k.String()+" body", err)
	}
	return m, nil
}

// decodeEnvelope checks the whole envelope against the limits, then its
// version before its length, so that a future envelope with a different
// number of items is reported as [ErrUnsupportedVersion].
func (c *Codec) decodeEnvelope(data []byte) (Envelope, error) {
	var items []cbor.RawMessage
	if err := c.dec.Unmarshal(data, &items); err != nil {
		return Envelope{}, decodeFailure("envelope", err)
	}
	if len(items) == 0 {
		return Envelope{}, fmt.Errorf("%w: envelope is an empty array", ErrMalformed)
	}
	var version uint64
	if err := c.dec.Unmarshal(items[0], &version); err != nil {
		return Envelope{}, decodeFailure("envelope version", err)
	}
	if version != uint64(WireVersion) {
		return Envelope{}, fmt.Errorf("%w: version %d, want %d", ErrUnsupportedVersion, version, WireVersion)
	}
	if len(items) != envelopeItems {
		return Envelope{}, fmt.Errorf("%w: envelope has %d items, want %d", ErrMalformed, len(items), envelopeItems)
	}
	env := Envelope{Version: WireVersion, Body: items[3]}
	if err := c.dec.Unmarshal(items[1], &env.Protocol); err != nil {
		return Envelope{}, decodeFailure("envelope protocol", err)
	}
	if err := c.dec.Unmarshal(items[2], &env.Type); err != nil {
		return Envelope{}, decodeFailure("envelope type", err)
	}
	return env, nil
}

// decodeFailure wraps a CBOR decode error in the sentinel for its kind. The
// library reports input that ends early as io.EOF or io.ErrUnexpectedEOF;
// those are named, not wrapped, so that only a clean end of stream between
// frames satisfies errors.Is(err, io.EOF).
func decodeFailure(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %s ends early (%v)", ErrTruncated, what, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
}
