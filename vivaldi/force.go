package vivaldi

import (
	"math"
	"math/rand/v2"
)

// coincident is the Euclidean distance, in seconds, below which two
// positions count as one: no direction between them can be trusted, so
// the step takes a random one.
const coincident = 1e-6

// minTotalError keeps the confidence weight defined when both error
// estimates are zero.
const minTotalError = 1e-6

// vivaldiStep applies the Vivaldi update of Dabek et al. for one sample: a
// round trip of rtt seconds to the node at other.
//
// The weight w = e_self / (e_self + e_other) trusts the sample more when
// this node is less sure of itself than the peer is. The error estimate
// moves toward the sample's relative error |estimate − rtt| / rtt by the
// fraction ce·w, capped at VivaldiErrorMax. The coordinate then moves
// along the line from other through this node by the adaptive timestep
// cc·w times the prediction error rtt − estimate: away from other when the
// estimate is too short, toward it when too long. scale multiplies w, for
// Node.UpdateWeighted.
func (n *Node) vivaldiStep(other Coordinate, rtt, scale float64) {
	estimate := n.coord.estimate(other)
	weight := scale * n.coord.Error / math.Max(n.coord.Error+other.Error, minTotalError)

	wrongness := math.Abs(estimate-rtt) / rtt
	ce := n.cfg.VivaldiCE * weight
	n.coord.Error = math.Min(ce*wrongness+(1-ce)*n.coord.Error, n.cfg.VivaldiErrorMax)

	n.push(other, n.cfg.VivaldiCC*weight*(rtt-estimate))
}

// push moves the coordinate by force seconds away from other (toward it
// when force is negative), in the height-vector space of Dabek et al.: the
// difference between two coordinates is their Euclidean difference
// together with the sum of their heights, and its length is the Euclidean
// length plus that sum. A unit step along it splits between the vector and
// the height in proportion, and the height never drops below HeightMin.
// When the two vectors coincide the step takes a random Euclidean
// direction and leaves the height alone.
func (n *Node) push(other Coordinate, force float64) {
	self := &n.coord
	dir := n.dir
	for i := range dir {
		dir[i] = self.Vec[i] - other.Vec[i]
	}
	mag := norm(dir)
	if mag <= coincident {
		randomUnit(dir, n.cfg.Rand)
		for i := range dir {
			self.Vec[i] += force * dir[i]
		}
		return
	}
	heights := self.Height + other.Height
	span := mag + heights
	for i := range dir {
		self.Vec[i] += force * dir[i] / span
	}
	self.Height = math.Max(self.Height+force*heights/span, n.cfg.HeightMin.Seconds())
}

// applyGravity pulls the coordinate toward the origin by (‖Vec‖/ρ)², the
// gravity of Ledlie et al., which stops the whole system drifting away
// from the origin over time. The pull never carries it past the origin.
func (n *Node) applyGravity() {
	r := norm(n.coord.Vec)
	if r <= coincident {
		return
	}
	ratio := r / n.cfg.GravityRho.Seconds()
	pull := math.Min(ratio*ratio, r)
	scale := 1 - pull/r
	for i := range n.coord.Vec {
		n.coord.Vec[i] *= scale
	}
}

// randomUnit fills v with a direction drawn uniformly from rng: normally
// distributed components, normalised. In the vanishing case of a near-zero
// draw it falls back to the first axis.
func randomUnit(v []float64, rng *rand.Rand) {
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	m := norm(v)
	if m > coincident {
		for i := range v {
			v[i] /= m
		}
		return
	}
	clear(v)
	v[0] = 1
}

// norm returns the Euclidean length of v.
func norm(v []float64) float64 {
	sum := 0.0
	for _, x := range v {
		sum += x * x
	}
	return math.Sqrt(sum)
}
