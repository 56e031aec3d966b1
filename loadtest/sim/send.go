package sim

import "fmt"

// minLinkTailPrune is the size below which the per-link FIFO table is not
// pruned: small tables are cheap, and pruning them often is not.
const minLinkTailPrune = 1 << 16

// Send sends msg of size bytes from node `from` to node `to`. In order:
//   - a crashed sender sends nothing (counted in Stats.SendsWhileDown only);
//   - a send to a crashed node fails: the sender hears SendFailed after
//     Config.SendFailureDelay (their connection, if any, was cut by the crash);
//   - across a partition the message is dropped silently;
//   - with probability Config.Loss it is dropped silently;
//   - otherwise it arrives after the latency model's delay, but never before
//     a message sent earlier on the same from->to link. It is dropped on
//     arrival if the destination crashed meanwhile (even if it recovered) or
//     a partition now separates the two.
func (n *Network) Send(from, to int, msg any, size int) {
	src, dst := n.node(from), n.node(to)
	if size < 0 {
		panic(fmt.Sprintf("sim: Send with negative size %d", size))
	}
	if !src.up {
		n.stats.SendsWhileDown++
		return
	}
	c := Counter{Msgs: 1, Bytes: uint64(size)}
	n.stats.Sent.add(c)
	n.stats.PerNodeSent[from].add(c)

	switch {
	case !dst.up:
		n.stats.SendFailed.add(c)
		n.q.push(n.at(n.cfg.SendFailureDelay), event{
			kind: evSendFailed, from: int32(from), to: int32(to), inc: src.inc, msg: msg,
		})
		return
	case n.separated(from, to):
		n.stats.DroppedPartition.add(c)
		return
	case n.cfg.Loss > 0 && n.rng.Float64() < n.cfg.Loss:
		n.stats.DroppedLoss.add(c)
		return
	}

	at := n.at(n.cfg.Latency.OneWay(from, to, n.rng))
	if n.linkTail != nil {
		at = n.keepLinkOrder(uint64(from)<<32|uint64(to), at)
	}

	n.stats.InFlight.add(c)
	n.q.push(at, event{
		kind: evDeliver, from: int32(from), to: int32(to), inc: dst.inc, size: int64(size), msg: msg,
	})
}

// deliver hands an arriving message to its destination, or drops it.
func (n *Network) deliver(ev event) {
	c := Counter{Msgs: 1, Bytes: uint64(ev.size)}
	n.stats.InFlight.sub(c)
	dst := &n.nodes[ev.to]
	switch {
	case !n.current(dst, ev.inc):
		n.stats.DroppedCrashed.add(c)
	case n.separated(int(ev.from), int(ev.to)):
		n.stats.DroppedPartition.add(c)
	default:
		n.stats.Delivered.add(c)
		n.stats.PerNodeDelivered[ev.to].add(c)
		dst.handler(int(ev.to)).Deliver(int(ev.from), ev.msg)
	}
}

// keepLinkOrder returns the arrival time of a message scheduled for at on
// link: at itself, or later if an earlier message on the link arrives later
// (an equal time is fine: the earlier message was scheduled first).
func (n *Network) keepLinkOrder(link uint64, at int64) int64 {
	if tail, ok := n.linkTail[link]; ok && tail > at {
		at = tail
	}
	n.linkTail[link] = at
	n.pruneLinkTails()
	return at
}

// pruneLinkTails forgets links whose latest message has arrived (their tail
// is not after now, so it can no longer hold anything back), once the table
// has doubled since the last pruning. This bounds the table by the number of
// links with messages in flight rather than all links ever used. Deleting
// while ranging over a map is safe, and the set that remains does not depend
// on the iteration order.
func (n *Network) pruneLinkTails() {
	if len(n.linkTail) < n.linkTailPrune {
		return
	}
	for link, tail := range n.linkTail {
		if tail <= n.now {
			delete(n.linkTail, link)
		}
	}
	n.linkTailPrune = max(n.linkTailFloor, 2*len(n.linkTail))
}
