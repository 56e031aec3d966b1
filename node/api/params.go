package api

import (
	"net/url"
	"strconv"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// readParams are the query parameters the read endpoints share, as
// Consul names them.
type readParams struct {
	dc      string
	tags    []string
	passing bool
	// near is the coordinate to sort by, if near was given; nearKnown
	// reports that the coordinate is known. nearMeasured, for near=_agent,
	// returns the RTTs this agent measured, which rank in place of the
	// estimates where known.
	near         bool
	nearFrom     vivaldi.Coordinate
	nearKnown    bool
	nearMeasured func(overlay.NodeID) (time.Duration, bool)
}

// parseRead reads dc, tag, passing and near, and refuses the Consul
// parameters whose meaning overlayd cannot honour: answering a filter or
// a namespace query as if it had been applied would be wrong.
func parseRead(q url.Values, v *agentView) (readParams, error) {
	p := readParams{dc: q.Get("dc"), tags: q["tag"]}
	if len(p.dc) > catalog.MaxDatacenterLen {
		return p, badRequest("dc", "%d bytes exceed %d", len(p.dc), catalog.MaxDatacenterLen)
	}
	if p.dc == "" {
		p.dc = v.st.Datacenter
	}
	for _, t := range p.tags {
		if t == "" {
			return p, badRequest("tag", "empty tag")
		}
	}
	var err error
	if p.passing, err = flag(q, "passing"); err != nil {
		return p, err
	}
	for _, name := range []string{"filter", "node-meta", "peer", "sameness-group"} {
		if q.Get(name) != "" {
			return p, badRequest(name, "not supported by overlayd")
		}
	}
	for _, name := range []string{"ns", "partition"} {
		if s := q.Get(name); s != "" && s != "default" {
			return p, badRequest(name, "%s: overlayd has only the \"default\" %s", quoteShort(s), name)
		}
	}
	if near := q.Get("near"); near != "" {
		p.near = true
		if p.nearFrom, p.nearKnown, err = nearCoordinate(near, v); err != nil {
			return p, err
		}
		if near == "_agent" && v.st.Measured != nil {
			p.nearMeasured = v.st.Measured.Lookup
		}
	}
	return p, nil
}

// nearCoordinate returns the coordinate that near names: _agent for this
// agent, or a member's name.
func nearCoordinate(near string, v *agentView) (vivaldi.Coordinate, bool, error) {
	if near == "_agent" {
		return v.st.Coordinate, len(v.st.Coordinate.Vec) > 0, nil
	}
	if near == "_ip" {
		return vivaldi.Coordinate{}, false, badRequest("near", "_ip is not supported by overlayd; use _agent or a node name")
	}
	r, ok := v.directory().member(near)
	if !ok {
		return vivaldi.Coordinate{}, false, badRequest("near", "no member named %s", quoteShort(near))
	}
	if r.Coordinate == nil {
		return vivaldi.Coordinate{}, false, nil
	}
	return *r.Coordinate, true, nil
}

// flag reads a boolean query parameter as Consul does: present without a
// value, or with a value strconv.ParseBool accepts.
func flag(q url.Values, name string) (bool, error) {
	vs, ok := q[name]
	if !ok {
		return false, nil
	}
	if len(vs) == 0 || vs[0] == "" {
		return true, nil
	}
	b, err := strconv.ParseBool(vs[0])
	if err != nil {
		return false, badRequest(name, "%s is not a boolean", quoteShort(vs[0]))
	}
	return b, nil
}

// hasTags reports whether tags holds every one of want.
func hasTags(tags, want []string) bool {
	for _, w := range want {
		found := false
		for _, t := range tags {
			if t == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// positiveInt reads an integer parameter in 1..hi, def when absent.
func positiveInt(q url.Values, name string, def, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > hi {
		return 0, badRequest(name, "%s is not an integer in 1..%d", quoteShort(s), hi)
	}
	return n, nil
}
