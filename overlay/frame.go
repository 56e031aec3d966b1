package overlay

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// FrameHeaderLen is the length of a frame's prefix in bytes.
//
// A frame is an envelope preceded by its length as a 4-byte big-endian
// unsigned integer. A fixed-width prefix has one encoding per length, costs
// the same for every message (so a frame's size is always
// [Codec.EncodedSize] plus FrameHeaderLen), and lets the reader check the
// declared length against [Limits.MaxFrameBytes] before it allocates.
const FrameHeaderLen = 4

// WriteFrame writes m to w as one frame with a single Write call. It fails
// like [Codec.Marshal] before writing anything, or with w's error.
func (c *Codec) WriteFrame(w io.Writer, m Message) error {
	env, err := c.Marshal(m)
	if err != nil {
		return err
	}
	return writeEnvelopeFrame(w, env)
}

// writeEnvelopeFrame writes env, an envelope that [Codec.Marshal] produced,
// to w as one frame with a single Write call.
func writeEnvelopeFrame(w io.Writer, env []byte) error {
	frame := make([]byte, FrameHeaderLen, FrameHeaderLen+len(env))
	binary.BigEndian.PutUint32(frame, uint32(len(env))) // fits: Limits caps MaxFrameBytes at 2^32-1
	frame = append(frame, env...)
	if _, err := w.Write(frame); err != nil {
		return fmt.Errorf("overlay: write frame: %w", err)
	}
	return nil
}

// ReadFrame reads one frame from r and decodes its envelope.
//
// It returns io.EOF itself when r ends cleanly before the first byte of a
// frame, so a reader loop can stop on it. A frame cut short fails with
// [ErrTruncated]; a declared length over MaxFrameBytes fails with
// [ErrFrameTooLarge] before anything is read or allocated for the body,
// leaving r positioned after the prefix; the envelope fails as in
// [Codec.Unmarshal]. An error from r itself is returned wrapped, matching
// none of the decode sentinels. At most MaxFrameBytes are allocated per call.
func (c *Codec) ReadFrame(r io.Reader) (Message, error) {
	var header [FrameHeaderLen]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, readFailure("frame header", err)
	}
	n := binary.BigEndian.Uint32(header[:])
	if uint64(n) > uint64(c.limits.MaxFrameBytes) {
		return nil, fmt.Errorf("%w: frame declares %d bytes, limit is %d", ErrFrameTooLarge, n, c.limits.MaxFrameBytes)
	}
	env := make([]byte, n)
	if _, err := io.ReadFull(r, env); err != nil {
		return nil, readFailure(fmt.Sprintf("frame body of %d bytes", n), err)
	}
	return c.Unmarshal(env)
}

// readFailure names an early end of stream as [ErrTruncated] and wraps any
// other reader error as it is.
func readFailure(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: stream ended inside %s", ErrTruncated, what)
	}
	return fmt.Errorf("overlay: read %s: %w", what, err)
}
