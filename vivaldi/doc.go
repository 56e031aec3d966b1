// Package vivaldi computes network coordinates: every node places itself
// in a low-dimensional space so that the distance between two nodes'
// coordinates estimates the round-trip time between them, and any node can
// rank the others by latency without measuring them.
//
// The algorithm is Vivaldi (Dabek, Cox, Kaashoek and Morris, "Vivaldi: A
// Decentralized Network Coordinate System", SIGCOMM 2004), with the
// refinements of Ledlie, Gardner and Seltzer, "Network Coordinates in the
// Wild" (NSDI 2007), arranged as in hashicorp/serf's coordinate package.
// Each RTT sample taken by a SWIM probe, together with the peer's
// coordinate carried in its ack, goes through [Node.Update]:
//
//  1. a per-peer moving median over the last few samples drops delay
//     spikes;
//  2. the Vivaldi step moves the coordinate along the line to the peer by
//     an adaptive timestep, weighted by the two nodes' error estimates, and
//     refines this node's own error estimate;
//  3. a window average of the residuals (RTT − distance) becomes the
//     adjustment term, which absorbs what the Euclidean space cannot
//     express (Lee et al., IEEE/ACM ToN 2010);
//  4. a weak gravity pulls the coordinate toward the origin so that the
//     system as a whole does not drift.
//
// A coordinate is a Euclidean vector plus a height (the node's access
// link), an adjustment and an error estimate, in seconds; see
// [Coordinate]. [Coordinate.DistanceTo] turns two of them into an RTT
// estimate.
//
// The package owns the coordinate, its error estimate, the latency filter,
// the adjustment window and the distance estimate. It does not probe,
// choose whom to measure, or decide when a moved coordinate is worth
// broadcasting. It reads no clock, starts no goroutines, does no logging
// and draws randomness only from the *rand.Rand in its [Config]. Bad
// samples are refused with an error and counted in [Stats], never a panic.
//
// [Simulate] and [Evaluate] embed a measured RTT matrix and score the
// result; the tests and the loadtest use them to measure accuracy.
package vivaldi
