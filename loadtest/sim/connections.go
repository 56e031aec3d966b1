package sim

import "slices"

// Connect records a long-lived connection between a and b, so that each
// hears ConnectionLost when the other crashes or a partition cuts them off.
// It is idempotent, and it records nothing if a == b, either node is down,
// or a partition separates them: such a connection could not be opened.
func (n *Network) Connect(a, b int) {
	na, nb := n.node(a), n.node(b)
	if a == b || !na.up || !nb.up || n.separated(a, b) || n.Connected(a, b) {
		return
	}
	na.conns = append(na.conns, int32(b))
	nb.conns = append(nb.conns, int32(a))
}

// Disconnect forgets the connection between a and b, if any, without telling
// either end.
func (n *Network) Disconnect(a, b int) {
	na, nb := n.node(a), n.node(b)
	na.conns = removePeer(na.conns, int32(b))
	nb.conns = removePeer(nb.conns, int32(a))
}

// Connected reports whether a connection between a and b is recorded.
func (n *Network) Connected(a, b int) bool {
	na, nb := n.node(a), n.node(b)
	// Scan the shorter list; both hold the connection.
	if len(nb.conns) < len(na.conns) {
		return slices.Contains(nb.conns, int32(a))
	}
	return slices.Contains(na.conns, int32(b))
}

// Connections returns node i's connected peers, in the order the
// connections were made.
func (n *Network) Connections(i int) []int {
	conns := n.node(i).conns
	out := make([]int, len(conns))
	for k, p := range conns {
		out[k] = int(p)
	}
	return out
}

// cut forgets the connection between a and b and, unless crash detection is
// off, tells each end that is up after Config.CrashDetection.
func (n *Network) cut(a, b int) {
	n.Disconnect(a, b)
	n.notifyLost(a, b)
	n.notifyLost(b, a)
}

// notifyLost schedules ConnectionLost(peer) at node i, if i is up and crash
// detection is on.
func (n *Network) notifyLost(i, peer int) {
	nd := &n.nodes[i]
	if n.cfg.CrashDetection < 0 || !nd.up {
		return
	}
	n.q.push(n.at(n.cfg.CrashDetection), event{
		kind: evConnectionLost, from: int32(i), to: int32(peer), inc: nd.inc,
	})
}

// removePeer deletes p from conns, keeping the order of the others.
func removePeer(conns []int32, p int32) []int32 {
	if k := slices.Index(conns, p); k >= 0 {
		return slices.Delete(conns, k, k+1)
	}
	return conns
}
