package catalog

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// Query asks for the instances of a service nearest to a node. The zero
// value of every field but Service means its default.
type Query struct {
	// Service is the service name. Required.
	Service string
	// Tag, if not empty, selects the instances that carry it.
	Tag string
	// Datacenter is where to look first (default FromDatacenter).
	Datacenter string
	// FromDatacenter is the asking node's datacenter (default this node's).
	FromDatacenter string
	// From is the asking node's coordinate (default, when From.Vec is
	// empty, this node's). If it is not a valid coordinate of the
	// catalog's dimensionality, every estimate is unknown.
	From vivaldi.Coordinate
	// N bounds the number of instances returned; zero or less returns all.
	N int
	// IncludeWarning admits instances whose health is Warning; by default
	// only Passing instances are returned. Critical ones never are.
	IncludeWarning bool
	// Measured, if set, returns the RTT from the asker to a member that
	// the asker measured directly and recently enough to trust; it ranks
	// that member's instances in place of the estimate. It is called once
	// per candidate instance, and must be safe for the caller's goroutine.
	Measured func(overlay.NodeID) (time.Duration, bool)
}

// Instance is a service instance found by [Snapshot.Nearest], with what
// the asker needs of its member. Coordinate and the Service's Tags and
// Meta are shared with the snapshot: treat them as read-only.
type Instance struct {
	Member     overlay.Peer
	Datacenter string
	// Status is Alive or Suspect.
	Status     Status
	Coordinate *vivaldi.Coordinate
	Service    Service
	// EstimatedRTT is the round trip from the asker to the member, valid
	// if RTTKnown: measured directly if RTTMeasured (Query.Measured knew
	// it), otherwise the Vivaldi estimate, known if both coordinates are.
	EstimatedRTT time.Duration
	RTTKnown     bool
	RTTMeasured  bool
}

// Result is the answer to a [Query].
type Result struct {
	// Instances are the matching instances, nearest first.
	Instances []Instance
	// Datacenter is the datacenter the instances are in: the one asked
	// for, or the one failed over to.
	Datacenter string
	// FailedOver reports that the datacenter asked for had no matching
	// instance and Instances come from another one.
	FailedOver bool
}

// Nearest returns the healthy instances of q.Service nearest to the
// asker, in the datacenter asked for or, if it has none, in the other
// datacenter whose nearest matching instance is nearest.
//
// An instance matches if its member is alive or suspect (a suspect is
// still served, ranked like an alive one, as most suspicions are refuted;
// dead and left members' instances never appear), its health is Passing
// (or Warning with IncludeWarning), and it carries q.Tag if one is given.
// Instances
// are ordered by RTT, measured (Query.Measured) or else estimated, those
// with neither last, then by member ID and service ID; the first q.N are returned. Failover
// compares datacenters by their nearest instance's estimate (unknown
// last), then by name.
//
// Cost: one lookup in the service index, then one record lookup, one call
// of Query.Measured if set and one distance per instance of the service in the datacenter asked for (in
// every datacenter on failover), and O(log N) per instance to keep the
// nearest N (O(log m) for m instances if N is 0 or above 64); other
// members are not looked at.
func (s *Snapshot) Nearest(q Query) Result {
	self, _ := s.records.get(s.self, hashString(s.self))
	dc := cmp.Or(q.Datacenter, q.FromDatacenter)
	if dc == "" && self != nil {
		dc = self.rec.Datacenter
	}
	res := Result{Datacenter: dc}
	x, ok := s.services.get(q.Service, hashString(q.Service))
	if !ok {
		return res
	}
	m := s.newMatcher(q, self)
	if found := m.collect(x.datacenter(dc)); len(found) > 0 {
		res.Instances = m.instances(found)
		return res
	}
	var best []candidate
	for _, d := range x.datacenters {
		if d.name == dc {
			continue
		}
		if found := m.collect(d.instances); len(found) > 0 && (best == nil || cmpEstimate(found[0], best[0]) < 0) {
			best, res.Datacenter = found, d.name
		}
	}
	if best != nil {
		res.Instances, res.FailedOver = m.instances(best), true
	}
	return res
}

// matcher selects and ranks the instances that match one query.
type matcher struct {
	snap      *Snapshot
	q         Query
	from      vivaldi.Coordinate
	fromKnown bool
}

func (s *Snapshot) newMatcher(q Query, self *entry) matcher {
	from := q.From
	if len(from.Vec) == 0 && self != nil && self.rec.Coordinate != nil {
		from = *self.rec.Coordinate
	}
	return matcher{snap: s, q: q, from: from, fromKnown: from.Validate(s.dimensionality) == nil}
}

// candidate is a matching instance: Services[pos] of e's record, at rtt
// if known, measured or estimated.
type candidate struct {
	e        *entry
	pos      int
	rtt      time.Duration
	known    bool
	measured bool
}

// collect returns the first q.N instances among refs that match the
// query, in cmpCandidate order.
func (m *matcher) collect(refs []instanceRef) []candidate {
	sel := newSelection(m.q.N)
	for _, ref := range refs {
		e, ok := m.snap.records.get(ref.member, ref.idHash)
		if !ok || !e.rec.Status.live() || ref.pos >= len(e.rec.Services) {
			continue
		}
		svc := &e.rec.Services[ref.pos]
		if svc.Name != m.q.Service || !m.healthy(svc.Health) || (m.q.Tag != "" && !slices.Contains(svc.Tags, m.q.Tag)) {
			continue
		}
		c := candidate{e: e, pos: ref.pos}
		if m.q.Measured != nil {
			c.rtt, c.measured = m.q.Measured(ref.member)
			c.known = c.measured
		}
		if !c.known && m.fromKnown && e.rec.Coordinate != nil {
			c.rtt, c.known = m.from.DistanceTo(*e.rec.Coordinate), true
		}
		sel.offer(c)
	}
	return sel.result()
}

func (m *matcher) healthy(h Health) bool {
	return h == Passing || (h == Warning && m.q.IncludeWarning)
}

// instances turns candidates into the instances returned.
func (m *matcher) instances(found []candidate) []Instance {
	out := make([]Instance, len(found))
	for i, c := range found {
		r := &c.e.rec
		out[i] = Instance{
			Member:       r.Member,
			Datacenter:   r.Datacenter,
			Status:       r.Status,
			Coordinate:   r.Coordinate,
			Service:      r.Services[c.pos],
			EstimatedRTT: c.rtt,
			RTTKnown:     c.known,
			RTTMeasured:  c.measured,
		}
	}
	return out
}

// maxInsertion is the largest N that a selection keeps by insertion into
// a sorted slice (O(m log N) for m candidates, plus N per insertion);
// beyond it, it sorts all the candidates (O(m log m)).
const maxInsertion = 64

// selection keeps the first n candidates offered, in cmpCandidate order,
// or all of them if n ≤ 0.
type selection struct {
	n      int
	insert bool
	best   []candidate
}

func newSelection(n int) selection {
	s := selection{n: n, insert: n > 0 && n <= maxInsertion}
	if s.insert {
		s.best = make([]candidate, 0, n)
	}
	return s
}

func (s *selection) offer(c candidate) {
	if !s.insert {
		s.best = append(s.best, c)
		return
	}
	if len(s.best) == s.n {
		if cmpCandidate(c, s.best[s.n-1]) >= 0 {
			return
		}
		s.best = s.best[:s.n-1]
	}
	i, _ := slices.BinarySearchFunc(s.best, c, cmpCandidate)
	s.best = slices.Insert(s.best, i, c)
}

func (s *selection) result() []candidate {
	if !s.insert {
		slices.SortFunc(s.best, cmpCandidate)
		if s.n > 0 && len(s.best) > s.n {
			s.best = s.best[:s.n]
		}
	}
	return s.best
}

// cmpEstimate orders candidates by RTT, unknown last.
func cmpEstimate(a, b candidate) int {
	if a.known != b.known {
		if a.known {
			return -1
		}
		return 1
	}
	return cmp.Compare(a.rtt, b.rtt)
}

// cmpCandidate orders candidates by estimate, then member ID, then
// service ID: a total order, since a member's service IDs are unique.
func cmpCandidate(a, b candidate) int {
	if c := cmpEstimate(a, b); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.e.rec.Member.ID), string(b.e.rec.Member.ID)); c != 0 {
		return c
	}
	return strings.Compare(a.e.rec.Services[a.pos].ID, b.e.rec.Services[b.pos].ID)
}
