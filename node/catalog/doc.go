// Package catalog is overlayd's membership and service catalog: one
// [Record] per member — its address, datacenter, liveness, Vivaldi
// coordinate and service instances with their health — that every node
// holds and that converges across the cluster.
//
// Records merge like a CRDT ([Merge]). The liveness part (incarnation and
// status) may be asserted by any node; the higher incarnation wins, and at
// equal incarnation Left > Dead > Suspect > Alive. The owner part
// (address, datacenter, coordinate, services) is written only by the
// member and ordered by (owner incarnation, version), so a suspicion
// raised by another node never erases it. Merging is commutative,
// associative and idempotent, so records may arrive in any order, any
// number of times, by broadcast or anti-entropy.
//
// The package owns:
//
//   - the record and its merge rule, validation and size limits;
//   - the owner's Ed25519 signature of a record's owner part
//     ([Record.Sign], [Record.VerifySignature]); which keys to trust, and
//     what a verdict must prove, node.Core decides;
//   - the [Catalog]: records applied one by one ([Catalog.Apply]), counts,
//     forgetting of long-dead members behind bounded tombstones
//     ([Catalog.Expire]), and the dead members still kept for a
//     reconnection attempt ([Catalog.DeadMembers]);
//   - anti-entropy summaries: a bucketed digest ([Catalog.Digest]) and the
//     records of one bucket ([Catalog.Bucket]);
//   - immutable [Snapshot]s for readers on other goroutines, and the
//     nearest-instance query on them ([Snapshot.Nearest]), served from an
//     index of instances by service name and datacenter.
//
// It does not decide liveness (package swim does), refute suspicions of
// this node, build this node's own record, send anything, or schedule
// expiry, anti-entropy or reconnection: node.Core does. It is a plain data
// structure for one goroutine: no goroutines, clock, sockets, randomness
// or logging; time arrives as an argument. Invalid records are refused
// with an error and counted in [Stats], never a panic.
package catalog
