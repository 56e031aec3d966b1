// Package node holds the agent.
//
// Core is a deterministic state machine that composes HyParView, Plumtree,
// SWIM and Vivaldi around the membership and service catalog (package
// node/catalog): view changes feed Plumtree and SWIM, SWIM's verdicts and
// each node's own record travel in Plumtree broadcasts into every catalog,
// probe RTTs and the coordinates carried in SWIM acks feed Vivaldi, and
// digest push-pulls with a random active peer repair what the broadcasts
// missed. Every record is signed by its member and authenticated before
// it is merged, and a suspect or dead verdict carries the member's signed
// record of its incarnation (authenticate.go). Protocol rules stay in the
// protocol packages; Core only wires them.
//
// Agent is the runtime around a Core. One goroutine, Run's, owns the Core
// and feeds it an overlay.Transport's events, a ticker from a
// node/clock.Clock and the requests of API callers; after each input it
// saves a risen incarnation to the data directory (package node/datadir),
// then writes the Core's output to the transport, and publishes an
// immutable View that readers use without a lock. The key that signs the
// node's records is kept in the data directory too. Joins run on a goroutine
// of their own: every seed and saved member, with backoff, until one
// answers; again when the active view stays empty, and through any seed
// missing from the catalog. Leave broadcasts the departure, waits for it
// to leave the node, and closes the transport. Logs go to an injected
// slog.Logger, metrics to a Prometheus registry of the agent's own.
//
// NewCodec and Classify give a transport the codec and the message
// classes of a Core's messages.
package node
