package overlay

// Protocol numbers the protocol a message belongs to. Numbers are
// append-only: a number once shipped is never reused for something else.
type Protocol uint8

// The protocols of overlayd. Zero is never valid on the wire.
const (
	ProtoHyParView Protocol = 1
	ProtoPlumtree  Protocol = 2
	ProtoSWIM      Protocol = 3
	ProtoCatalog   Protocol = 4
	// ProtoTransport carries the transport's own frames (the hello that
	// opens every stream); no protocol package sends it.
	ProtoTransport Protocol = 5
)

// String names the protocol for logs and metric labels.
func (p Protocol) String() string {
	switch p {
	case ProtoHyParView:
		return "hyparview"
	case ProtoPlumtree:
		return "plumtree"
	case ProtoSWIM:
		return "swim"
	case ProtoCatalog:
		return "catalog"
	case ProtoTransport:
		return "transport"
	}
	return "unknown"
}

// MsgType numbers a message within its protocol. Like [Protocol] numbers,
// type numbers are append-only.
type MsgType uint8

// Message is implemented by every protocol message. The methods must be
// defined on the value type and return constants, so that the zero value
// of a message type names its own wire kind.
type Message interface {
	Protocol() Protocol
	Type() MsgType
}

// Outgoing is a message a protocol state machine asks the runtime to send.
type Outgoing struct {
	To  Peer
	Msg Message
}
