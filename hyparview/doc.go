// Package hyparview implements HyParView, the membership protocol of Leitão,
// Pereira and Rodrigues, "HyParView: a membership protocol for reliable
// gossip-based broadcast" (DSN 2007), as a deterministic state machine.
//
// A [Node] keeps a small symmetric active view, whose members hold a live
// connection and carry broadcasts, and a larger passive view of addresses
// kept in reserve to repair the active view. Joins spread through random
// walks (JOIN, FORWARD_JOIN), the active view is repaired reactively from
// the passive view (NEIGHBOR, DISCONNECT, failure notifications), and the
// passive view is refreshed by periodic SHUFFLE walks.
//
// The package owns the views and their rules only. It opens no sockets,
// starts no goroutines, reads no clock and draws randomness only from the
// *rand.Rand in its [Config]. Inputs are [Node.Step], [Node.Tick],
// [Node.Join] and [Node.PeerFailed]; outputs — messages to send, and
// [NeighborUp], [NeighborDown] and [Isolated] events — are drained with
// [Node.Ready].
package hyparview
