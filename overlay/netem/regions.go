package netem

import (
	"cmp"
	"slices"
	"time"
)

// maxRegionRounds bounds the refinement of Regions; on the PlanetLab
// matrix it settles in a handful.
const maxRegionRounds = 32

// Regions groups the hosts of m into k regions of nearby hosts, so that an
// emulated cluster can put its datacenters where the matrix's hosts
// cluster. It is k-medoids: each region has a centre host, every host
// belongs to the region of its nearest centre, and each centre is the
// member with the least total RTT to the rest of its region. The first
// centres are picked farthest first among the best connected 90 % of the
// hosts (by total RTT), so that an outlier cannot make a region of its
// own. Each region lists its hosts nearest to its centre first, the centre
// leading. The result is deterministic; k is clamped to 1..m.Hosts().
func Regions(m *RTTMatrix, k int) [][]int {
	n := m.Hosts()
	k = min(max(k, 1), n)
	all := make([]int, n)
	for h := range all {
		all[h] = h
	}
	centres := firstCentres(m, all, k)
	var regions [][]int
	for range maxRegionRounds {
		regions = assign(m, centres)
		next := make([]int, k)
		for i, r := range regions {
			next[i] = medoid(m, r)
		}
		if slices.Equal(next, centres) {
			break
		}
		centres = next
	}
	for i, r := range regions {
		c := centres[i]
		slices.SortStableFunc(r, func(a, b int) int { return cmp.Compare(m.RTTOrMedian(a, c), m.RTTOrMedian(b, c)) })
	}
	return regions
}

// firstCentres picks k centres farthest first, starting from the most
// central host, among the 90 % of hosts with the least total RTT.
func firstCentres(m *RTTMatrix, hosts []int, k int) []int {
	byTotal := slices.Clone(hosts)
	totals := make(map[int]time.Duration, len(hosts))
	for _, h := range hosts {
		totals[h] = totalRTT(m, h, hosts)
	}
	slices.SortStableFunc(byTotal, func(a, b int) int { return cmp.Compare(totals[a], totals[b]) })
	pool := byTotal[:max(k, len(byTotal)-len(byTotal)/10)]
	centres := []int{pool[0]}
	for len(centres) < k {
		far, farDist := -1, time.Duration(-1)
		for _, h := range pool {
			d := time.Duration(-1)
			for _, c := range centres {
				if rtt := m.RTTOrMedian(h, c); d < 0 || rtt < d {
					d = rtt
				}
			}
			if d > farDist {
				far, farDist = h, d
			}
		}
		centres = append(centres, far)
	}
	return centres
}

// assign puts every host in the region of its nearest centre (the first
// such centre on a tie), in host order.
func assign(m *RTTMatrix, centres []int) [][]int {
	regions := make([][]int, len(centres))
	for h := range m.Hosts() {
		best := 0
		for i, c := range centres {
			if m.RTTOrMedian(h, c) < m.RTTOrMedian(h, centres[best]) {
				best = i
			}
		}
		regions[best] = append(regions[best], h)
	}
	return regions
}

// medoid returns the host of r with the least total RTT to the others, the
// first on a tie.
func medoid(m *RTTMatrix, r []int) int {
	best, bestTotal := r[0], totalRTT(m, r[0], r)
	for _, h := range r[1:] {
		if t := totalRTT(m, h, r); t < bestTotal {
			best, bestTotal = h, t
		}
	}
	return best
}

func totalRTT(m *RTTMatrix, h int, to []int) (sum time.Duration) {
	for _, o := range to {
		sum += m.RTTOrMedian(h, o)
	}
	return sum
}
