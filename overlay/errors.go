package overlay

import "errors"

// Decode failures. Every error that [Codec.Unmarshal] or [Codec.ReadFrame]
// returns for bad input wraps exactly one of these sentinels (and, where the
// CBOR library produced one, its error as well), so a caller can count
// failures by kind with [errors.Is] without parsing messages. Failures of the
// underlying reader are returned unwrapped by any of them: they say nothing
// about the peer's bytes.
var (
	// ErrFrameTooLarge reports a frame or envelope longer than
	// [Limits.MaxFrameBytes]. On decode it is detected from the declared
	// length, before anything is allocated for the body.
	ErrFrameTooLarge = errors.New("overlay: frame too large")

	// ErrTruncated reports input that ended in the middle of a frame or of
	// a CBOR data item. It never wraps io.EOF, so errors.Is(err, io.EOF)
	// is true only for a clean end of stream between frames.
	ErrTruncated = errors.New("overlay: truncated frame")

	// ErrMalformed reports bytes that are not a valid envelope or message
	// body: ill-formed CBOR, a decode limit exceeded, an indefinite length,
	// a tag, a duplicate map key, NaN or infinity, trailing bytes, or a
	// value of the wrong type for its field.
	ErrMalformed = errors.New("overlay: malformed message")

	// ErrUnsupportedVersion reports an envelope whose version is not
	// [WireVersion].
	ErrUnsupportedVersion = errors.New("overlay: unsupported wire version")

	// ErrUnknownMessage reports a (protocol, type) pair that the
	// [Registry] does not know. [Codec.Marshal] also returns it for a
	// message whose Go type is not the one registered for its pair.
	ErrUnknownMessage = errors.New("overlay: unknown message")
)

// Setup failures, returned while building a codec, never for wire input.
var (
	// ErrInvalidLimits reports a [Limits] value outside what the CBOR
	// decoder supports.
	ErrInvalidLimits = errors.New("overlay: invalid limits")

	// ErrInvalidRegistration reports a message type that [Register]
	// refuses: not a struct, protocol zero, or a (protocol, type) pair
	// already taken.
	ErrInvalidRegistration = errors.New("overlay: invalid message registration")
)
