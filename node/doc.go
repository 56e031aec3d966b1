// Package node will hold the agent: a deterministic Core composing
// HyParView, Plumtree, SWIM, Vivaldi and the membership and service catalog,
// and the runtime that drives Core with a real transport, a real clock,
// health checks and the local API. Protocol rules stay in the protocol
// packages; node only wires them together.
package node
