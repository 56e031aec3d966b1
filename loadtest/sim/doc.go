// Package sim is a protocol-agnostic discrete-event network simulator. It
// runs thousands of protocol state machines in one goroutine on a virtual
// clock and owns nothing but the network between them: per-message latency
// (constant, uniform, or drawn from a measured all-pairs RTT matrix such as
// PlanetLab's), random loss, node crashes and recoveries, partitions, and
// the long-lived connections whose breakage the nodes are told about.
//
// An experiment adapts each state machine to a [Handler], adds it to a
// [Network] and drives the clock with [Network.Step], [Network.RunUntil] or
// [Network.RunUntilIdle]; timers and experiment steps are callbacks
// scheduled with [Network.After] and [Network.AfterNode].
//
// Guarantees:
//   - Determinism: the same [Config] and the same sequence of calls give the
//     same event order and the same results, byte for byte. Randomness comes
//     only from the network's seeded generator ([Network.Rand]); events at the
//     same instant run in the order they were scheduled.
//   - FIFO per directed link: a message never overtakes an earlier message
//     sent on the same from->to link, whatever the latency model draws.
//   - A crash is total: messages in flight to the crashed node, its pending
//     notifications and its [Network.AfterNode] timers are dropped, even if
//     the node recovers before they fall due.
//
// The package starts no goroutines and never reads the wall clock.
package sim
