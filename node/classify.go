package node

import (
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/plumtree"
)

// Classify is the [overlay.Classifier] for the messages of a Core: how a
// transport should queue and carry each.
//
//   - SWIM's messages are membership upkeep, sent as datagrams: a probe
//     retransmitted after a loss would hide the loss it exists to detect,
//     and would inflate the RTT that Vivaldi learns from.
//   - HyParView's, and Plumtree's GRAFT and PRUNE that shape the tree, are
//     membership upkeep on streams.
//   - Plumtree's GOSSIP and the catalog's anti-entropy and sync transfers
//     are payload.
//   - Plumtree's IHAVE is a lazy announcement, and so are coordinate
//     samples (the next sample makes good a lost one); samples are
//     datagrams for the same reason as probes.
func Classify(m overlay.Message) overlay.Class {
	membership := overlay.Class{Priority: overlay.PriorityMembership}
	payload := overlay.Class{Priority: overlay.PriorityPayload}
	switch m.Protocol() {
	case overlay.ProtoSWIM:
		return overlay.Class{Priority: overlay.PriorityMembership, Datagram: true}
	case overlay.ProtoHyParView:
		return membership
	case overlay.ProtoPlumtree:
		switch m.Type() {
		case plumtree.TypeGossip:
			return payload
		case plumtree.TypeIHave:
			return overlay.Class{Priority: overlay.PriorityLazy}
		}
		return membership
	case overlay.ProtoCatalog:
		switch m.Type() {
		case TypeCoordinate, TypeSampleRequest:
			return overlay.Class{Priority: overlay.PriorityLazy, Datagram: true}
		}
		return payload
	}
	return payload
}
