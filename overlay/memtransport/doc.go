// Package memtransport is an in-process [overlay.Transport] for tests: a
// [Network] is a switchboard that any number of transports attach to by
// address, with optional per-link latency and datagram loss, partitions
// and crashes.
//
// It keeps the contract the QUIC transport keeps. Messages cross as bytes,
// encoded and decoded with the codec the network is given, so only what
// survives the wire arrives and sizes are real. Send never blocks: each
// (sender, receiver) link has a bounded queue, and when it is full the
// message of lowest priority, per the classifier, is dropped and counted
// (the oldest among equals). A peer that cannot be reached — no transport
// at its address, another node's identity there, a partition, a crash —
// is reported as [overlay.PeerFailed], both to a sender and to every
// transport that keeps a connection to it. Identify answers at once.
// Links keep each sender's order when their latency is constant and the
// network runs on a clock that fires ties in order (package node/clock's
// Fake does); loss strikes datagrams only, since QUIC retransmits streams.
//
// [Network.WaitIdle] reports when no delivery that is due is still
// waiting for its reader, which is how a test that drives a Fake clock
// knows a moment of the cluster's life has played out.
package memtransport
