package swim

import "github.com/overlayd/overlayd/overlay"

// Message type numbers on the wire. Append-only.
const (
	TypePing    overlay.MsgType = 1
	TypeAck     overlay.MsgType = 2
	TypePingReq overlay.MsgType = 3
	TypeNack    overlay.MsgType = 4
	TypeSuspect overlay.MsgType = 5
)

// Ping asks the receiver to answer with an Ack carrying the same Seq.
type Ping struct {
	Seq uint32 `cbor:"1,keyasint,omitempty"`
	// Target is the node the ping is meant for. A receiver with another ID
	// (an address now used by someone else) ignores it. Empty means any.
	Target overlay.NodeID `cbor:"2,keyasint,omitempty"`
}

// Ack answers a Ping, directly or forwarded by the helper of an indirect
// probe.
type Ack struct {
	Seq uint32 `cbor:"1,keyasint,omitempty"`
	// Payload is the acker's opaque ack payload (the runtime puts its
	// Vivaldi coordinate there); a helper forwards it unchanged.
	Payload []byte `cbor:"2,keyasint,omitempty"`
	// Incarnation is the acker's own incarnation, so that a prober
	// suspects its neighbour at the right one even before the cluster told
	// it. A helper forwards it unchanged.
	Incarnation uint64 `cbor:"3,keyasint,omitempty"`
}

// PingReq asks the receiver to probe Target on the sender's behalf and
// forward the ack under Seq, or answer Nack{Seq} when no ack came in time.
type PingReq struct {
	Seq    uint32       `cbor:"1,keyasint,omitempty"`
	Target overlay.Peer `cbor:"2,keyasint"`
	// TimeoutMillis is the requester's probe timeout in milliseconds, local
	// health included; the helper nacks after 80% of it. Zero means the
	// helper's own ProbeTimeout.
	TimeoutMillis uint32 `cbor:"3,keyasint,omitempty"`
}

// Nack tells the requester of an indirect probe that the helper is alive
// but heard no ack from the target in time (Lifeguard's LHA-Probe). Missing nacks
// tell the requester that it is itself the slow one.
type Nack struct {
	Seq uint32 `cbor:"1,keyasint,omitempty"`
}

// Suspect tells a member that the sender suspects it, so that it can
// refute at once instead of waiting for the cluster-wide broadcast
// (Lifeguard's buddy system: the suspect hears of its suspicion first).
type Suspect struct {
	Update Update `cbor:"1,keyasint"`
}

func (Ping) Protocol() overlay.Protocol    { return overlay.ProtoSWIM }
func (Ack) Protocol() overlay.Protocol     { return overlay.ProtoSWIM }
func (PingReq) Protocol() overlay.Protocol { return overlay.ProtoSWIM }
func (Nack) Protocol() overlay.Protocol    { return overlay.ProtoSWIM }
func (Suspect) Protocol() overlay.Protocol { return overlay.ProtoSWIM }

func (Ping) Type() overlay.MsgType    { return TypePing }
func (Ack) Type() overlay.MsgType     { return TypeAck }
func (PingReq) Type() overlay.MsgType { return TypePingReq }
func (Nack) Type() overlay.MsgType    { return TypeNack }
func (Suspect) Type() overlay.MsgType { return TypeSuspect }
