// Package swim is overlayd's failure detector: SWIM (Das, Gupta and
// Motivala, "SWIM: Scalable Weakly-consistent Infection-style Process Group
// Membership Protocol", DSN 2002) with the Lifeguard refinements (Dadgar,
// Phillips and Currey, "Lifeguard: Local Health Awareness for More Accurate
// Failure Detection", 2018), as a deterministic state machine.
//
// A [Node] owns probing, indirect probes, suspicion timers, its own
// incarnation number and Lifeguard's local health score:
//
//   - Probing. Once per protocol period the node pings one of its HyParView
//     active peers ([Node.NeighborUp], [Node.NeighborDown]), in randomised
//     round-robin order. With no ack within the peer's probe timeout (RFC
//     6298's SRTT + 4·RTTVAR from earlier acks, late ones included, or a
//     conservative 3 s before any) it asks IndirectChecks other active peers
//     to ping the target for it (PingReq); a helper forwards the target's
//     ack, or a Nack when none came in time. With no ack after as long
//     again the target is suspected. Each direct ack yields a [ProbeRTT]
//     with the peer's opaque ack payload. A peer that leaves the active view
//     gets one last probe, so that a crash HyParView noticed first is still
//     detected; an active peer suspected elsewhere is probed at once.
//   - Evidence of life. Any message from a member ([Node.Heard]) shows it
//     running: a probe it outlives is no failure, and a suspicion of it is
//     answered, which this node tells the cluster with the member's Alive
//     at the suspected incarnation asserted by itself.
//   - Suspicion. A suspicion, raised here or observed from the cluster,
//     starts a timer that shrinks from a maximum towards a minimum as
//     independent confirmations arrive; when it ends the node broadcasts a
//     Dead verdict. Only a suspecter — its own probe failed — runs to the
//     shrunk timeout, and only while the suspicion is not answered; every
//     other node waits the maximum and the minimum, so that a verdict is
//     normally broadcast by a few suspecters rather than by the whole
//     cluster, and a slow member has time to refute. Either is stretched
//     by the local health multiplier. The suspect is also told directly,
//     so that it can refute at once.
//   - Incarnations. Only a member raises its own incarnation: to refute a
//     suspicion or death of itself, it broadcasts Alive at a higher one.
//   - Local health. Failed probes, missed nacks and refutations raise a
//     score that stretches the probe interval and timeout; successful probes
//     lower it. A slow node thus slows its own probing instead of accusing
//     healthy peers.
//
// SWIM's piggybacked dissemination is not used: membership updates travel
// through the layer above. The node emits the updates it originates as
// [Broadcast] events, and takes every update the cluster delivers through
// [Node.Observe]. Merging follows the catalog's rule: a higher incarnation
// wins, and at equal incarnation Left > Dead > Suspect > Alive.
//
// The package opens no sockets, starts no goroutines, reads no clock and
// draws randomness only from the *rand.Rand in its [Config]. Outputs are
// drained with [Node.Ready].
package swim
