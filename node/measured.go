package node

import (
	"maps"
	"strings"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// measuredSamples is how many of a member's latest measured RTTs are
// kept; their minimum is the member's measured RTT. The minimum of a few
// discards the queueing and scheduling delays that lengthen single round
// trips (Vivaldi's latency filter does the same with a moving minimum).
const measuredSamples = 3

// MeasuredRTT is the round trip to one member that this node measured
// directly: the minimum of its latest measurements still fresh, and when
// the latest of them was taken.
type MeasuredRTT struct {
	RTT time.Duration
	At  time.Time
}

// MeasuredRTTs is an immutable set of the round trips this node measured
// directly to other members, fresh as of when it was taken: the View
// publishes it for the nearest-instance queries, which rank by them in
// place of the Vivaldi estimates.
type MeasuredRTTs struct {
	self overlay.NodeID
	rtts map[overlay.NodeID]MeasuredRTT
}

// NewMeasuredRTTs returns the set of RTTs measured from self given by rtts,
// for a Backend other than an Agent, such as the API's fake.
func NewMeasuredRTTs(self overlay.NodeID, rtts map[overlay.NodeID]MeasuredRTT) *MeasuredRTTs {
	return &MeasuredRTTs{self: self, rtts: maps.Clone(rtts)}
}

// Get returns the measured RTT to member id. A nil set holds none.
func (m *MeasuredRTTs) Get(id overlay.NodeID) (MeasuredRTT, bool) {
	if m == nil {
		return MeasuredRTT{}, false
	}
	r, ok := m.rtts[id]
	return r, ok
}

// Lookup returns the measured RTT to member id, zero to this node itself:
// the shape of catalog.Query's Measured.
func (m *MeasuredRTTs) Lookup(id overlay.NodeID) (time.Duration, bool) {
	if m != nil && id == m.self {
		return 0, true
	}
	r, ok := m.Get(id)
	return r.RTT, ok
}

// Len returns the number of members with a measured RTT.
func (m *MeasuredRTTs) Len() int {
	if m == nil {
		return 0
	}
	return len(m.rtts)
}

// rttSample is one measured round trip.
type rttSample struct {
	rtt time.Duration
	at  time.Time
}

// memberRTTs are a member's latest measurements, oldest first.
type memberRTTs []rttSample

func (s memberRTTs) measured() MeasuredRTT {
	m := MeasuredRTT{RTT: s[0].rtt, At: s[len(s)-1].at}
	for _, x := range s[1:] {
		m.RTT = min(m.RTT, x.rtt)
	}
	return m
}

// rttCache keeps the RTTs this node measured directly — its SWIM probes of
// active peers and its coordinate samples — for at most size members, the
// most recently measured, and each measurement for maxAge.
type rttCache struct {
	self   overlay.NodeID
	size   int
	maxAge time.Duration
	byID   map[overlay.NodeID]memberRTTs
	// nextExpiry is when the oldest measurement held goes stale.
	nextExpiry time.Time
	// snap is the set as it stands, nil once something changed.
	snap *MeasuredRTTs
}

func newRTTCache(self overlay.NodeID, size int, maxAge time.Duration) rttCache {
	return rttCache{self: self, size: size, maxAge: maxAge, byID: make(map[overlay.NodeID]memberRTTs)}
}

// observe records an RTT measured to member id at now. A new member past
// the bound replaces the one measured longest ago.
func (c *rttCache) observe(now time.Time, id overlay.NodeID, rtt time.Duration) {
	if rtt <= 0 || id == c.self {
		return
	}
	s, ok := c.byID[id]
	if !ok && len(c.byID) >= c.size {
		delete(c.byID, c.stalest())
	}
	if len(s) == measuredSamples {
		s = s[:copy(s, s[1:])]
	}
	c.byID[id] = append(s, rttSample{rtt: rtt, at: now})
	if c.nextExpiry.IsZero() || now.Add(c.maxAge).Before(c.nextExpiry) {
		c.nextExpiry = now.Add(c.maxAge)
	}
	c.snap = nil
}

// stalest returns the member whose latest measurement is the oldest, the
// smallest ID among equals so that the choice is deterministic.
func (c *rttCache) stalest() overlay.NodeID {
	var id overlay.NodeID
	var at time.Time
	for x, s := range c.byID {
		last := s[len(s)-1].at
		if id == "" || last.Before(at) || (last.Equal(at) && strings.Compare(string(x), string(id)) < 0) {
			id, at = x, last
		}
	}
	return id
}

// expire forgets the measurements older than maxAge at now.
func (c *rttCache) expire(now time.Time) {
	if c.nextExpiry.IsZero() || now.Before(c.nextExpiry) {
		return
	}
	c.nextExpiry = time.Time{}
	for id, s := range c.byID {
		i := 0
		for i < len(s) && now.Sub(s[i].at) >= c.maxAge {
			i++
		}
		if i == len(s) {
			delete(c.byID, id)
			continue
		}
		if i > 0 {
			s = s[:copy(s, s[i:])]
			c.byID[id] = s
		}
		if e := s[0].at.Add(c.maxAge); c.nextExpiry.IsZero() || e.Before(c.nextExpiry) {
			c.nextExpiry = e
		}
	}
	c.snap = nil
}

// get returns the measured RTT to member id.
func (c *rttCache) get(id overlay.NodeID) (MeasuredRTT, bool) {
	s, ok := c.byID[id]
	if !ok {
		return MeasuredRTT{}, false
	}
	return s.measured(), true
}

// snapshot returns the set as it stands, the same one until it changes.
//
// Cost: O(size) when something changed since the last call.
func (c *rttCache) snapshot() *MeasuredRTTs {
	if c.snap == nil {
		rtts := make(map[overlay.NodeID]MeasuredRTT, len(c.byID))
		for id, s := range c.byID {
			rtts[id] = s.measured()
		}
		c.snap = &MeasuredRTTs{self: c.self, rtts: rtts}
	}
	return c.snap
}
