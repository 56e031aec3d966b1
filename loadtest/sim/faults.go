package sim

import "fmt"

// Crash stops node i: it sends nothing, messages in flight to it are dropped
// on arrival, its pending notifications and AfterNode timers are void, and
// every connection it had is cut (its peers hear ConnectionLost after
// Config.CrashDetection, unless that is negative). Crashing a crashed node
// does nothing.
func (n *Network) Crash(i int) {
	nd := n.node(i)
	if !nd.up {
		return
	}
	nd.up = false
	nd.inc++
	for len(nd.conns) > 0 {
		n.cut(i, int(nd.conns[0]))
	}
}

// Recover brings node i up again with no connections. What was addressed to
// it before the crash stays void; the experiment usually follows with
// SetHandler and a fresh state machine.
func (n *Network) Recover(i int) { n.node(i).up = true }

// Up reports whether node i is up.
func (n *Network) Up(i int) bool { return n.node(i).up }

// Partition splits the network: nodes in different groups cannot exchange
// messages (they are dropped silently, including those already in flight),
// and the nodes listed in no group form one more group. Connections across
// groups are cut and both ends hear ConnectionLost after
// Config.CrashDetection; when that is negative nobody notices and the
// connections survive, to work again after Heal. A new Partition replaces
// the previous one. A node listed twice is a programming error and panics.
func (n *Network) Partition(groups ...[]int) {
	for i := range n.nodes {
		n.nodes[i].group = 0
	}
	for g, members := range groups {
		for _, i := range members {
			nd := n.node(i)
			if nd.group != 0 {
				panic(fmt.Sprintf("sim: Partition lists node %d twice", i))
			}
			nd.group = int32(g + 1)
		}
	}
	n.partitioned = true
	if n.cfg.CrashDetection < 0 {
		return
	}
	for a := range n.nodes {
		// Collect first: cut edits the list being walked.
		var across []int
		for _, b := range n.nodes[a].conns {
			if int(b) > a && n.separated(a, int(b)) {
				across = append(across, int(b))
			}
		}
		for _, b := range across {
			n.cut(a, b)
		}
	}
}

// Heal removes the partition. Connections it cut stay cut.
func (n *Network) Heal() { n.partitioned = false }

// separated reports whether a partition keeps a and b apart.
func (n *Network) separated(a, b int) bool {
	return n.partitioned && n.nodes[a].group != n.nodes[b].group
}
