package api

import (
	"net/http"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// RTTAnswer is the answer of GET /v1/rtt: the round trips from one member
// to one other (with to=) or to every member, estimated, or from this
// agent measured where it has measured them.
type RTTAnswer struct {
	From      string
	Estimates []RTTEstimate
}

// RTTEstimate is one estimate of an RTTAnswer. Known is false when either
// coordinate is unknown. Measured reports that, from this agent, the round
// trip was measured directly (the minimum of its latest probes or
// coordinate samples of the member, within a few minutes) rather than
// estimated from the coordinates.
type RTTEstimate struct {
	To                  string
	Datacenter          string
	Known               bool
	Measured            bool
	EstimatedRTTSeconds float64
	EstimatedRTT        string
}

// GET /v1/rtt?from=&to= ; from defaults to this agent.
func (s *Server) rtt(r *http.Request, v *agentView) (any, error) {
	q := r.URL.Query()
	from := q.Get("from")
	var fromCoord *vivaldi.Coordinate
	var measured *node.MeasuredRTTs // only this agent's own
	if from == "" || from == string(v.st.Self.ID) {
		from, fromCoord, measured = string(v.st.Self.ID), &v.st.Coordinate, v.st.Measured
	} else {
		rec, ok := v.directory().member(from)
		if !ok {
			return nil, notFound("from", "no member named %s", quoteShort(from))
		}
		fromCoord = rec.Coordinate
	}
	out := RTTAnswer{From: from, Estimates: []RTTEstimate{}}
	estimate := func(to string, dc string, c *vivaldi.Coordinate) {
		if to == string(v.st.Self.ID) {
			c = &v.st.Coordinate
		}
		e := RTTEstimate{To: to, Datacenter: dc}
		m, isMeasured := measured.Get(overlay.NodeID(to))
		switch {
		case to == from: // a coordinate's heights make its distance to itself positive
			e.Known, e.EstimatedRTT = true, roundRTT(0)
		case isMeasured:
			e.Known, e.Measured, e.EstimatedRTTSeconds, e.EstimatedRTT = true, true, m.RTT.Seconds(), roundRTT(m.RTT)
		case fromCoord != nil && len(fromCoord.Vec) > 0 && c != nil:
			d := fromCoord.DistanceTo(*c)
			e.Known, e.EstimatedRTTSeconds, e.EstimatedRTT = true, d.Seconds(), roundRTT(d)
		}
		out.Estimates = append(out.Estimates, e)
	}
	dir := v.directory()
	if to := q.Get("to"); to != "" {
		rec, ok := dir.member(to)
		if !ok {
			return nil, notFound("to", "no member named %s", quoteShort(to))
		}
		estimate(to, rec.Datacenter, rec.Coordinate)
		return out, nil
	}
	for i := range dir.members {
		rec := &dir.members[i]
		estimate(string(rec.Member.ID), rec.Datacenter, rec.Coordinate)
	}
	return out, nil
}
