package node

import (
	"errors"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/swim"
	"github.com/overlayd/overlayd/vivaldi"
)

// Message types of the catalog protocol (overlay.ProtoCatalog). Append-only.
const (
	TypeRecordUpdate   overlay.MsgType = 1
	TypeLivenessUpdate overlay.MsgType = 2
	TypeDigest         overlay.MsgType = 3
	TypeRecords        overlay.MsgType = 4
	TypeSyncRequest    overlay.MsgType = 5
	TypeCoordinate     overlay.MsgType = 6
	TypeSampleRequest  overlay.MsgType = 7
)

// RecordUpdate carries a member's own record through a Plumtree broadcast:
// its address, datacenter, coordinate and services.
type RecordUpdate struct {
	Record catalog.Record `cbor:"1,keyasint"`
	// Origin is when the member broadcast it, in Unix nanoseconds by its
	// clock; zero (omitted) when unknown.
	Origin int64 `cbor:"2,keyasint,omitempty"`
	// Binding is the member's CA binding of its record key, carried by
	// the first broadcast of each incarnation and after each reconnection
	// (authenticate_binding.go); nil otherwise.
	Binding *overlay.RecordKeyBinding `cbor:"3,keyasint,omitempty"`
}

// LivenessUpdate carries a suspect or dead verdict through a Plumtree
// broadcast. This node's own Alive and Left travel as its signed record,
// in a RecordUpdate.
type LivenessUpdate struct {
	Update swim.Update `cbor:"1,keyasint"`
	// Origin is as in RecordUpdate.
	Origin int64 `cbor:"2,keyasint,omitempty"`
	// Proof is the member's signed record of Update.Incarnation, with the
	// verdict's liveness: a verdict without it is forged.
	Proof catalog.Record `cbor:"3,keyasint"`
	// Accusation is Update.From's signature of Update
	// (authenticate_accusation.go): without it, receivers clear From.
	Accusation []byte `cbor:"4,keyasint,omitempty"`
}

// Digest opens an anti-entropy exchange: one hash per bucket of the
// sender's catalog.
type Digest struct {
	Buckets []uint64 `cbor:"1,keyasint"`
}

// Records answers a Digest or a SyncRequest with records, in chunks. Want
// lists the buckets the sender found different, whose records it wants in
// return, and Of the number of buckets of the digest they are buckets of
// (a Want without Of, from an older agent, is of AntiEntropyBuckets); both
// are set on the first chunk of a Digest's answer only. Bindings are the
// CA bindings of the records' keys, in an answer to a SyncRequest only: a
// Digest's answer goes to a node that holds most of its members.
type Records struct {
	Records  []catalog.Record           `cbor:"1,keyasint,omitempty"`
	Want     []uint16                   `cbor:"2,keyasint,omitempty"`
	Bindings []overlay.RecordKeyBinding `cbor:"3,keyasint,omitempty"`
	Of       uint16                     `cbor:"4,keyasint,omitempty"`
}

// SyncRequest asks a contact for its whole catalog, as a joiner does, or,
// with Members, for the records of those members with their key bindings,
// as a node does that got their records without (authenticate_binding.go).
type SyncRequest struct {
	Members []overlay.NodeID `cbor:"1,keyasint,omitempty"`
}

// CoordinateSample is a node's Vivaldi coordinate: the payload of its SWIM
// acks, and its answer to a SampleRequest, whose Seq it echoes.
type CoordinateSample struct {
	Coordinate vivaldi.Coordinate `cbor:"1,keyasint"`
	Seq        uint32             `cbor:"2,keyasint,omitempty"`
}

// SampleRequest asks any member for its coordinate, so that the asker can
// measure the RTT to a node outside its active view. A Warmup request only
// opens the way (see sampleRequest): its answer carries no coordinate.
type SampleRequest struct {
	Seq    uint32 `cbor:"1,keyasint"`
	Warmup bool   `cbor:"2,keyasint,omitempty"`
}

func (RecordUpdate) Protocol() overlay.Protocol     { return overlay.ProtoCatalog }
func (LivenessUpdate) Protocol() overlay.Protocol   { return overlay.ProtoCatalog }
func (Digest) Protocol() overlay.Protocol           { return overlay.ProtoCatalog }
func (Records) Protocol() overlay.Protocol          { return overlay.ProtoCatalog }
func (SyncRequest) Protocol() overlay.Protocol      { return overlay.ProtoCatalog }
func (CoordinateSample) Protocol() overlay.Protocol { return overlay.ProtoCatalog }
func (SampleRequest) Protocol() overlay.Protocol    { return overlay.ProtoCatalog }

func (RecordUpdate) Type() overlay.MsgType     { return TypeRecordUpdate }
func (LivenessUpdate) Type() overlay.MsgType   { return TypeLivenessUpdate }
func (Digest) Type() overlay.MsgType           { return TypeDigest }
func (Records) Type() overlay.MsgType          { return TypeRecords }
func (SyncRequest) Type() overlay.MsgType      { return TypeSyncRequest }
func (CoordinateSample) Type() overlay.MsgType { return TypeCoordinate }
func (SampleRequest) Type() overlay.MsgType    { return TypeSampleRequest }

// RegisterMessages adds the catalog protocol's messages to r.
func RegisterMessages(r *overlay.Registry) error {
	return errors.Join(
		overlay.Register[RecordUpdate](r),
		overlay.Register[LivenessUpdate](r),
		overlay.Register[Digest](r),
		overlay.Register[Records](r),
		overlay.Register[SyncRequest](r),
		overlay.Register[CoordinateSample](r),
		overlay.Register[SampleRequest](r),
	)
}
