package overlay

import (
	"errors"
	"fmt"
	"io"
)

// ErrBadHello reports a hello frame that is malformed, or that claims
// another node than the certificate of the connection it opens.
var ErrBadHello = errors.New("overlay: bad hello")

// hello is the first frame each side writes on its stream of a new
// connection. It says who the sender claims to be, which must be the node
// its certificate binds, and where it can be dialed.
type hello struct {
	// From is the sender's node name and advertised address.
	From Peer `cbor:"1,keyasint"`
	// Boot is a random number drawn when the sender's transport started.
	// A connection whose hello carries a new Boot replaces the older
	// connections to that node at once: they lead to a process that is
	// gone.
	Boot uint64 `cbor:"2,keyasint"`
}

func (hello) Protocol() Protocol { return ProtoTransport }
func (hello) Type() MsgType      { return 1 }

// maxHelloBytes bounds a hello envelope: a node ID and an address at their
// maximum lengths, with room for the CBOR around them.
const maxHelloBytes = MaxNodeIDLen + MaxAddrLen + 64

// helloCodec reads and writes hellos, and nothing else.
type helloCodec struct{ codec *Codec }

func newHelloCodec() helloCodec {
	r := NewRegistry()
	if err := Register[hello](r); err != nil {
		panic(err) // a fresh registry takes any valid type
	}
	c, err := NewCodec(Limits{MaxFrameBytes: maxHelloBytes, MaxArrayElements: 16, MaxMapPairs: 16, MaxNestedLevels: 4}, r)
	if err != nil {
		panic(err) // the limits above are constants within range
	}
	return helloCodec{codec: c}
}

// write writes h to w as one frame.
func (hc helloCodec) write(w io.Writer, h hello) error {
	return hc.codec.WriteFrame(w, h)
}

// read reads one hello frame from r. Every failure that is the peer's doing
// wraps [ErrBadHello]; a failure of r itself is returned as it is.
func (hc helloCodec) read(r io.Reader) (hello, error) {
	m, err := hc.codec.ReadFrame(r)
	switch {
	case errors.Is(err, io.EOF):
		return hello{}, fmt.Errorf("%w: stream ended before the hello", ErrBadHello)
	case err != nil && isDecodeError(err):
		return hello{}, fmt.Errorf("%w: %w", ErrBadHello, err)
	case err != nil:
		return hello{}, err
	}
	h := m.(hello) // the registry holds no other type
	if err := h.From.Validate(); err != nil {
		return hello{}, fmt.Errorf("%w: %w", ErrBadHello, err)
	}
	if h.Boot == 0 {
		return hello{}, fmt.Errorf("%w: boot number zero", ErrBadHello)
	}
	return h, nil
}

// isDecodeError reports whether err is one of the codec's decode failures,
// which blame the bytes a peer sent rather than the reader.
func isDecodeError(err error) bool {
	for _, sentinel := range []error{ErrFrameTooLarge, ErrTruncated, ErrMalformed, ErrUnsupportedVersion, ErrUnknownMessage} {
		if errors.Is(err, sentinel) {
			return true
		}
	}
	return false
}
