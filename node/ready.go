package node

import "github.com/overlayd/overlayd/overlay"

// Ready is what a Core produced since the last call to [Core.Ready].
type Ready struct {
	Messages []overlay.Outgoing
	Events   []Event
}

// Event is an output for the runtime.
type Event interface{ isEvent() }

// Connect asks the runtime to keep a connection to a peer that entered the
// active view.
type Connect struct{ Peer overlay.Peer }

// Release tells the runtime that a peer left the active view: its
// connection may close once idle.
type Release struct{ Peer overlay.Peer }

func (Connect) isEvent() {}
func (Release) isEvent() {}

// Stats counts what the Core did and refused.
type Stats struct {
	Ignored             uint64 // messages of no known protocol
	BadPayloads         uint64 // broadcast payloads or ack payloads that did not decode
	RejectedSamples     uint64 // probe samples Vivaldi refused (an RTT of zero, a bad coordinate)
	RejectedRecords     uint64 // records the catalog refused
	ForgedRecords       uint64 // records and verdicts that failed authentication (authenticate.go)
	StaleRecords        uint64 // signed records older in both parts than the one held: replays or late news
	UnboundRecords      uint64 // records of members not held, whose key came without its CA binding (authenticate_binding.go)
	UnsignedAccusations uint64 // verdicts whose From did not sign them, taken as from no known accuser (authenticate_accusation.go)
	UnprovenVerdicts    uint64 // verdicts of this node's SWIM not sent, for want of the member's signed record
	RecordBroadcasts    uint64 // broadcasts of this node's own record
	Rejoins             uint64 // joins started after HyParView reported isolation
	Widenings           uint64 // joins across a possible split, when HyParView was starved
	AntiEntropy         uint64 // digest exchanges started
	Reconnects          uint64 // attempts to reach a member believed dead
	TargetedSamples     uint64 // coordinate samples sent to confirm a nearest answer (measured_target.go)
}
