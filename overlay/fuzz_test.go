package overlay

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzSeeds returns valid envelopes of every sample message followed by
// inputs each decoder must reject, so the fuzzer starts on both sides of
// every check.
func fuzzSeeds(tb testing.TB, c *Codec) [][]byte {
	var seeds [][]byte
	for _, m := range sampleMessages() {
		data, err := c.Marshal(m)
		require.NoError(tb, err)
		seeds = append(seeds, data)
	}
	body := rawBody(tb, map[int]any{1: []any{map[int]any{1: "a", 2: "b"}}, 2: "n"})
	return append(seeds,
		nil,
		unhex(tb, "80"),
		rawEnvelope(tb, 2, wireTestProto, 1, body),
		rawEnvelope(tb, 1, wireTestProto, 9, body),
		rawEnvelope(tb, 1, wireTestProto, 1, unhex(tb, "a2 02 61 61 02 61 62")),                                  // duplicate key
		rawEnvelope(tb, 1, wireTestProto, 1, unhex(tb, "a1 01 9f a1 01 61 61 ff")),                               // indefinite array
		rawEnvelope(tb, 1, wireTestProto, 2, unhex(tb, "a1 02 82 f9 3c 00 f9 7e 00")),                            // 1.0 and NaN
		rawEnvelope(tb, 1, wireTestProto, 2, unhex(tb, "a2 03 a1 40 01 04 a0")),                                  // byte-string map key, empty peer
		rawEnvelope(tb, 1, wireTestProto, 1, unhex(tb, "a1 09 81 81 81 81 81 81 81 81 81 81 81 81 81 81 81 00")), // 17 levels
	)
}

// requireRoundTrip asserts that m survives Marshal and Unmarshal, and that
// its encoding is then a fixed point.
func requireRoundTrip(t *testing.T, c *Codec, m Message) {
	t.Helper()
	data, err := c.Marshal(m)
	require.NoError(t, err, "a decoded message must re-encode")
	again, err := c.Unmarshal(data)
	require.NoError(t, err, "a re-encoded message must decode")
	requireWireEqual(t, m, again)
	dataAgain, err := c.Marshal(again)
	require.NoError(t, err)
	require.Equal(t, data, dataAgain, "encoding is deterministic")
}

func FuzzUnmarshal(f *testing.F) {
	c := newTestCodec(f, Limits{})
	for _, seed := range fuzzSeeds(f, c) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := c.Unmarshal(data)
		if err != nil {
			requireOneSentinel(t, err)
			require.Nil(t, m)
			return
		}
		requireRoundTrip(t, c, m)
	})
}

func FuzzReadFrame(f *testing.F) {
	c := newTestCodec(f, Limits{})
	seeds := fuzzSeeds(f, c)
	var stream []byte
	for _, env := range seeds {
		f.Add(frameOf(env))
		stream = append(stream, frameOf(env)...)
	}
	f.Add(stream)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x84})
	f.Add([]byte{0, 0})

	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			streamEnded := r.Len() == 0
			m, err := c.ReadFrame(r)
			if err == io.EOF {
				require.True(t, streamEnded, "io.EOF only at a clean end of stream")
				return
			}
			if err != nil {
				requireOneSentinel(t, err)
				return
			}
			var frame bytes.Buffer
			require.NoError(t, c.WriteFrame(&frame, m))
			again, err := c.ReadFrame(&frame)
			require.NoError(t, err)
			requireWireEqual(t, m, again)
			require.Zero(t, frame.Len(), "ReadFrame consumes exactly one frame")
			requireRoundTrip(t, c, m)
		}
	})
}
