package overlay

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFrameStreamRoundTrip(t *testing.T) {
	c := newTestCodec(t, Limits{})
	var msgs []Message
	for _, m := range sampleMessages() {
		msgs = append(msgs, m)
	}
	var stream bytes.Buffer
	for _, m := range msgs {
		require.NoError(t, c.WriteFrame(&stream, m))
	}
	for _, want := range msgs {
		got, err := c.ReadFrame(&stream)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := c.ReadFrame(&stream)
	assert.Same(t, io.EOF, err, "a clean end of stream is io.EOF itself")
}

func TestFrameIsPrefixedEnvelope(t *testing.T) {
	c := newTestCodec(t, Limits{})
	for name, m := range sampleMessages() {
		t.Run(name, func(t *testing.T) {
			env, err := c.Marshal(m)
			require.NoError(t, err)
			w := &countingWriter{}
			require.NoError(t, c.WriteFrame(w, m))
			assert.Equal(t, 1, w.writes, "one Write per frame")
			require.Len(t, w.buf.Bytes(), FrameHeaderLen+len(env))
			assert.Equal(t, uint32(len(env)), binary.BigEndian.Uint32(w.buf.Bytes()))
			assert.Equal(t, env, w.buf.Bytes()[FrameHeaderLen:])
		})
	}
}

type countingWriter struct {
	buf    bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.buf.Write(p)
}

var errBroken = errors.New("broken pipe")

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errBroken }

type brokenReader struct{}

func (brokenReader) Read([]byte) (int, error) { return 0, errBroken }

func TestWriteFrameReportsWriterError(t *testing.T) {
	c := newTestCodec(t, Limits{})
	err := c.WriteFrame(brokenWriter{}, wireEmpty{})
	require.ErrorIs(t, err, errBroken)
}

// frameOf returns a frame declaring len(env) bytes followed by env.
func frameOf(env []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(env))), env...)
}

func TestReadFrameErrors(t *testing.T) {
	c := newTestCodec(t, Limits{MaxFrameBytes: 1024})
	env, err := c.Marshal(wirePeers{Note: "hello"})
	require.NoError(t, err)
	frame := frameOf(env)
	declares := func(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

	tests := []struct {
		name   string
		stream []byte
		want   error
	}{
		{name: "one byte of header", stream: frame[:1], want: ErrTruncated},
		{name: "three bytes of header", stream: frame[:3], want: ErrTruncated},
		{name: "header without body", stream: frame[:FrameHeaderLen], want: ErrTruncated},
		{name: "body cut short", stream: frame[:len(frame)-1], want: ErrTruncated},
		{name: "empty frame", stream: declares(0), want: ErrTruncated},
		{name: "length one over the limit", stream: append(declares(1025), make([]byte, 1025)...), want: ErrFrameTooLarge},
		{name: "largest declarable length", stream: declares(1<<32 - 1), want: ErrFrameTooLarge},
		{name: "length longer than the envelope", stream: append(declares(uint32(len(env)+1)), append(env, 0)...), want: ErrMalformed},
		{name: "garbage body", stream: frameOf([]byte{0xff, 0xff}), want: ErrMalformed},
		{name: "unknown message", stream: frameOf(rawEnvelope(t, 1, wireTestProto, 9, rawBody(t, map[int]int{}))), want: ErrUnknownMessage},
		{name: "future version", stream: frameOf(rawEnvelope(t, 2)), want: ErrUnsupportedVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := c.ReadFrame(bytes.NewReader(tt.stream))
			requireDecodeError(t, err, tt.want)
			assert.Nil(t, m)
		})
	}
}

func TestReadFrameReportsReaderError(t *testing.T) {
	c := newTestCodec(t, Limits{})
	tests := map[string]io.Reader{
		"in the header": brokenReader{},
		"in the body":   io.MultiReader(bytes.NewReader([]byte{0, 0, 0, 9, 0x84}), brokenReader{}),
	}
	for name, r := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := c.ReadFrame(r)
			require.ErrorIs(t, err, errBroken)
			for _, s := range decodeSentinels {
				assert.NotErrorIs(t, err, s, "a reader failure is not a decode failure")
			}
		})
	}
}

// zeroReader supplies zero bytes forever.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestReadFrameRejectsHugeLengthBeforeAllocating(t *testing.T) {
	c := newTestCodec(t, Limits{})
	const declared = 1<<32 - 1 // 4 GiB
	const perCallBudget = 4 << 10

	// read runs ReadFrame on a stream that declares a 4 GiB frame and would
	// supply it, and returns how many body bytes ReadFrame consumed.
	read := func() int64 {
		body := &io.LimitedReader{R: zeroReader{}, N: declared}
		stream := io.MultiReader(bytes.NewReader(binary.BigEndian.AppendUint32(nil, declared)), body)
		_, err := c.ReadFrame(stream)
		requireDecodeError(t, err, ErrFrameTooLarge)
		return declared - body.N
	}
	assert.Zero(t, read(), "no byte of the body is read")

	const runs = 100
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		read()
	}
	runtime.ReadMemStats(&after)
	assert.Less(t, (after.TotalAlloc-before.TotalAlloc)/runs, uint64(perCallBudget),
		"bytes allocated per rejected frame")
}
