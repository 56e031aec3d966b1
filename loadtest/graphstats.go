package main

import (
	"math/rand/v2"
	"slices"
)

// graphStats describes the shape of an overlay, as in Table 1 of the
// HyParView paper.
type graphStats struct {
	InDegreeP1, InDegreeP50, InDegreeP99 int
	InDegreeHistogram                    map[int]int // in-degree -> nodes
	Clustering                           float64     // mean local clustering coefficient
	AvgShortestPath                      float64     // over ordered pairs of reachable nodes
	MaxHopsMean                          float64     // mean over sources of the last delivery's hop count
	MaxHopsMax                           int
	Sources                              int // BFS sources sampled for the path figures
}

// measureGraph computes graphStats over the live part of g. Path figures
// come from BFS at up to `sources` random live sources (all when fewer).
func measureGraph(g graph, up []bool, sources int, rng *rand.Rand) graphStats {
	var st graphStats
	live := liveNodes(up)
	in := make([]int, len(g))
	for _, u := range live {
		for _, v := range g[u] {
			if up[v] {
				in[v]++
			}
		}
	}
	degrees := make([]int, 0, len(live))
	st.InDegreeHistogram = map[int]int{}
	for _, u := range live {
		degrees = append(degrees, in[u])
		st.InDegreeHistogram[in[u]]++
	}
	slices.Sort(degrees)
	st.InDegreeP1 = percentileInt(degrees, 0.01)
	st.InDegreeP50 = percentileInt(degrees, 0.50)
	st.InDegreeP99 = percentileInt(degrees, 0.99)
	st.Clustering = clustering(g, up, live)

	srcs := live
	if len(srcs) > sources {
		srcs = slices.Clone(live)
		rng.Shuffle(len(srcs), func(i, j int) { srcs[i], srcs[j] = srcs[j], srcs[i] })
		srcs = srcs[:sources]
	}
	st.Sources = len(srcs)
	f := newFlood(len(g))
	var pathSum, pairs, hopsSum float64
	for _, s := range srcs {
		f.run(g, up, int(s))
		for _, h := range f.hopOf {
			if h > 0 {
				pathSum += float64(h)
				pairs++
			}
		}
		hopsSum += float64(f.lastHop)
		st.MaxHopsMax = max(st.MaxHopsMax, f.lastHop)
	}
	if pairs > 0 {
		st.AvgShortestPath = pathSum / pairs
	}
	if len(srcs) > 0 {
		st.MaxHopsMean = hopsSum / float64(len(srcs))
	}
	return st
}

// clustering returns the mean, over live nodes with at least two live
// neighbours, of the fraction of ordered neighbour pairs (a, b) with an
// edge a -> b.
func clustering(g graph, up []bool, live []int32) float64 {
	var sum float64
	var counted int
	mark := make([]bool, len(g))
	for _, u := range live {
		var nb []int32
		for _, v := range g[u] {
			if up[v] && v != u {
				nb = append(nb, v)
			}
		}
		k := len(nb)
		if k < 2 {
			continue
		}
		for _, v := range nb {
			mark[v] = true
		}
		links := 0
		for _, a := range nb {
			for _, b := range g[a] {
				if b != a && mark[b] {
					links++
				}
			}
		}
		for _, v := range nb {
			mark[v] = false
		}
		sum += float64(links) / float64(k*(k-1))
		counted++
	}
	if counted == 0 {
		return 0
	}
	return sum / float64(counted)
}

func liveNodes(up []bool) []int32 {
	var live []int32
	for i, ok := range up {
		if ok {
			live = append(live, int32(i))
		}
	}
	return live
}

// percentileInt returns the p-quantile (nearest rank) of sorted xs.
func percentileInt(sorted []int, p float64) int {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted)-1) + 0.5)
	return sorted[i]
}
