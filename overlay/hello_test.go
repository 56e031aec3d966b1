package overlay

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func helloFrame(tb testing.TB, h hello) []byte {
	tb.Helper()
	var buf bytes.Buffer
	require.NoError(tb, newHelloCodec().write(&buf, h))
	return buf.Bytes()
}

func TestHelloRoundTrip(t *testing.T) {
	hc := newHelloCodec()
	for _, h := range []hello{
		{From: Peer{ID: "a", Addr: "127.0.0.1:7946"}, Boot: 1},
		{From: Peer{ID: NodeID(strings.Repeat("n", MaxNodeIDLen)), Addr: strings.Repeat("x", MaxAddrLen)}, Boot: 1<<64 - 1},
	} {
		got, err := hc.read(bytes.NewReader(helloFrame(t, h)))
		require.NoError(t, err)
		assert.Equal(t, h, got)
	}
}

func TestHelloRejectsBadInput(t *testing.T) {
	hc := newHelloCodec()
	valid := helloFrame(t, hello{From: Peer{ID: "a", Addr: "b"}, Boot: 7})
	other := frameOf(rawEnvelope(t, 1, wireTestProto, 20, rawBody(t, map[int]any{})))
	tests := map[string][]byte{
		"empty stream":         nil,
		"cut short":            valid[:len(valid)-1],
		"empty node name":      helloFrame(t, hello{From: Peer{Addr: "b"}, Boot: 7}),
		"boot zero":            helloFrame(t, hello{From: Peer{ID: "a"}}),
		"not a hello":          other,
		"declared length huge": {0xff, 0xff, 0xff, 0xff},
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := hc.read(bytes.NewReader(data))
			require.ErrorIs(t, err, ErrBadHello)
		})
	}
}

func FuzzReadHello(f *testing.F) {
	f.Add(helloFrame(f, hello{From: Peer{ID: "a", Addr: "127.0.0.1:1"}, Boot: 1}))
	f.Add(helloFrame(f, hello{From: Peer{ID: "a"}, Boot: 0}))
	f.Add([]byte{0, 0, 0, 1, 0x80})
	hc := newHelloCodec()
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := hc.read(bytes.NewReader(data))
		if err != nil {
			require.ErrorIs(t, err, ErrBadHello)
			return
		}
		require.NoError(t, h.From.Validate())
		require.NotZero(t, h.Boot)
		again, err := hc.read(bytes.NewReader(helloFrame(t, h)))
		require.NoError(t, err)
		require.Equal(t, h, again)
	})
}
