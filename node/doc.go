// Package node holds the agent. Core is a deterministic state machine that
// composes HyParView, Plumtree, SWIM and Vivaldi around the membership and
// service catalog (package node/catalog): view changes feed Plumtree and
// SWIM, SWIM's verdicts and each node's own record travel in Plumtree
// broadcasts into every catalog, probe RTTs and the coordinates carried in
// SWIM acks feed Vivaldi, and digest push-pulls with a random active peer
// repair what the broadcasts missed. The runtime that drives Core with a
// real transport, clock, health checks and local API comes next.
// Protocol rules stay in the protocol packages; node only wires them.
package node
