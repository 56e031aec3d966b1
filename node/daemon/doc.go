// Package daemon assembles one complete overlayd agent: the QUIC transport
// on its UDP socket, the runtime that drives node.Core, the local services
// and their health checks, the HTTP API with its metrics and live map, and
// DNS. `overlayd agent` runs one, `overlayd dev` and the real-cluster load
// tests run many in one process.
//
// It owns the wiring and the order of start and stop, nothing else: every
// rule lives in the packages it composes.
package daemon
