package main

// graph is a directed graph over node indices: adj[i] lists the nodes i
// would send to.
type graph [][]int32

// flood is one broadcast flooded over a graph: every node that receives it
// for the first time forwards it to all its out-neighbours but the one it
// came from — eager gossip with the active view as fan-out.
type flood struct {
	reached  int        // live nodes that received it, the source included
	lastHop  int        // hop count of the last first-delivery
	received int        // messages that reached a live node, duplicates included
	failed   [][2]int32 // sends to nodes that are down: (sender, receiver)
	hopOf    []int32    // per node: hop of its first delivery, -1 if none
	parent   []int32    // per node: the node its first copy came from
	frontier []int32
	next     []int32
}

// newFlood returns a reusable flood buffer for n nodes.
func newFlood(n int) *flood { return &flood{hopOf: make([]int32, n), parent: make([]int32, n)} }

// run floods from src over g; up reports which nodes are live. A send to a
// node that is down fails and is recorded, as over TCP.
func (f *flood) run(g graph, up []bool, src int) {
	for i := range f.hopOf {
		f.hopOf[i] = -1
	}
	f.failed = f.failed[:0]
	f.hopOf[src], f.parent[src] = 0, -1
	f.reached, f.lastHop, f.received = 1, 0, 0
	f.frontier = append(f.frontier[:0], int32(src))
	for hop := int32(1); len(f.frontier) > 0; hop++ {
		f.next = f.next[:0]
		for _, u := range f.frontier {
			for _, v := range g[u] {
				switch {
				case v == f.parent[u]:
				case !up[v]:
					f.failed = append(f.failed, [2]int32{u, v})
				case f.hopOf[v] < 0:
					f.hopOf[v], f.parent[v] = hop, u
					f.reached++
					f.received++
					f.lastHop = int(hop)
					f.next = append(f.next, v)
				default:
					f.received++
				}
			}
		}
		f.frontier, f.next = f.next, f.frontier
	}
}

// rmr is the flood's relative message redundancy, as bcast.rmr.
func (f *flood) rmr() float64 {
	if f.reached < 2 {
		return 0
	}
	return float64(f.received)/float64(f.reached-1) - 1
}
