// Package plumtree implements the broadcast protocol of Leitão, Pereira and
// Rodrigues, "Epidemic Broadcast Trees" (SRDS 2007), as a deterministic
// state machine. It owns, per node, the eager and lazy peer sets over the
// HyParView active view, the message cache, the GOSSIP/IHAVE/GRAFT/PRUNE
// exchange with its graft timers, and the tree optimisations. It owns no
// sockets, clocks, goroutines or randomness of its own.
//
// # Driving a Node
//
// HyParView's NeighborUp and NeighborDown feed [Node.NeighborUp] and
// [Node.NeighborDown]; received messages feed [Node.Step]; the runtime
// calls [Node.Tick] periodically (graft timers and cache expiry run on
// Tick, so its period is their resolution); the layer above calls
// [Node.Broadcast]. After each input the caller drains [Node.Ready] and
// sends its messages in order.
//
// # Protocol
//
// A new neighbour starts eager. A first GOSSIP is delivered, pushed to
// every other eager peer and announced by IHAVE to every lazy peer
// (batched per peer, see Config.IHaveFlushInterval); its sender becomes
// eager. A duplicate GOSSIP moves its sender to lazy and answers PRUNE,
// which moves the receiver to lazy on the other side. An IHAVE for a
// missing message starts timer 1 (GraftTimeout); on expiry the first
// announcer not yet tried is grafted and timer 2 (SecondGraftTimeout)
// started, until the message arrives or the announcers run out. A GRAFT
// makes the sender eager and resends the message from the cache. Unlike
// the paper, a node whose eager neighbour goes down grafts every lazy one
// at once, without waiting for the next broadcast (see Node.NeighborDown).
//
// Any node may broadcast; IDs are unique without coordination (see
// [MessageID]). All broadcasts share one eager/lazy structure, as in the
// paper.
//
// # Tree optimisation
//
// A message reaches this node along an eager link (from
// its "sender") and is announced along lazy links. When a lazy announcer
// offers a better path, the two links swap roles: the announcer is grafted
// with a zero-ID GRAFT (it needs to resend nothing) and the sender is
// pruned. Three rules decide "better"; each compares the eager path of one
// message with one announcement of the same message, whichever arrived
// first:
//
//  1. Hops (the paper, §3.8), when OptimizationThreshold > 0: the
//     announcement's round is smaller than the received round by at least
//     OptimizationThreshold.
//  2. Measured latency, when LatencyOptimization is on and EstimateRTT is
//     nil or has no estimate for one of the two peers: the GOSSIP arrived
//     more than LatencyMargin after the announcement's lazyArrival (IHAVE
//     receive time minus the entry's Waited, i.e. when the announcer's link
//     would have delivered the message had it been eager).
//  3. Estimated latency, when EstimateRTT has estimates for both peers: the
//     announcer already had the message first (lazyArrival strictly before
//     the GOSSIP's arrival) and its link is faster by more than the margin,
//     (RTT(sender) − RTT(announcer))/2 > LatencyMargin. The halved RTTs
//     stand for one-way delays, so the margin means the same as in rule 2,
//     but the evidence is a smoothed estimate instead of one noisy sample;
//     with both estimates known, rule 3 replaces rule 2 so that the two
//     cannot disagree and flip a link back and forth.
//
// One message is not enough: a lazy peer must win on OptimizationEvidence
// consecutive messages arriving through the same eager sender, whatever
// their roots, before the links swap. A path that is shorter from one root
// is longer from the roots on the other side, and swapping on single
// messages from random roots drifts the shared tree towards a deep,
// random spanning tree.
//
// Why this cannot disconnect the tree or oscillate forever:
//   - A swap needs the announcer lazy and the sender eager, both current
//     neighbours and distinct, so it leaves the number of eager peers
//     unchanged: it never prunes the last eager peer.
//   - No rule grafts a node downstream of this one for that message: a
//     downstream node got it later and with more hops, so its round and its
//     lazyArrival are both worse than the eager path's.
//   - Each rule requires a strict margin (threshold hops, LatencyMargin),
//     so with stable latencies the reverse swap's condition is false.
//   - Messages for which this node sent a GRAFT are not used, since their
//     eager path was cut short by our own repair, and neither are its own
//     broadcasts.
//   - Swaps back off: after the k-th swap since the neighbour set last
//     changed, the next waits OptimizationCooldown·2^(k-1). Conflicting
//     evidence (two roots that prefer different parents, jitter above the
//     margin) can therefore cause only O(log T) swaps in a time T, not a
//     steady oscillation.
//
// Repairs (the graft timers) are never throttled: they restore delivery.
//
// # Delivery guarantees
//
// Every node emits exactly one [Deliver] per message, including the origin
// for its own broadcast (Round 0, From itself), as long as copies of the
// message arrive within the seen window: SeenTTL after the first receipt,
// and while fewer than MaxSeenEntries newer messages have arrived. Beyond
// that window an ID is forgotten, and a copy arriving later would be
// delivered and pushed on again. That takes a copy surviving past SeenTTL
// (default 60s), whereas copies are only forwarded on first receipt or
// resent from a cache on GRAFT, which comes within seconds of the IHAVE;
// the catalog above merges records idempotently in any case. Early
// forgetting because of MaxSeenEntries is counted in
// [Stats].SeenEvictedEarly.
//
// # Bad input
//
// Input that is not a valid Plumtree message value from a valid peer other
// than the node itself is ignored and counted in [Stats], never a panic.
// A GOSSIP from a peer that is not a current neighbour (for instance one
// in flight when the link went down) is still delivered and pushed on if
// new, but never changes the eager or lazy sets and is never answered.
// IHAVE, GRAFT and PRUNE from non-neighbours are ignored, so the eager and
// lazy sets only ever hold neighbours, never the node itself, and never
// share a peer.
package plumtree
