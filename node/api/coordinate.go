package api

import (
	"net/http"

	"github.com/overlayd/overlayd/node/catalog"
)

// GET /v1/coordinate/nodes?dc= : the coordinates of the datacenter's
// members.
func (s *Server) coordinateNodes(r *http.Request, v *agentView) (any, error) {
	p, err := parseRead(r.URL.Query(), v)
	if err != nil {
		return nil, err
	}
	p.near = false
	return coordinateEntries(liveMembers(v, p)), nil
}

func coordinateEntries(members []*catalog.Record) []coordinateEntryJSON {
	out := []coordinateEntryJSON{}
	for _, m := range members {
		if m.Coordinate != nil {
			out = append(out, coordinateEntryJSON{Node: string(m.Member.ID), Coord: toCoordinate(m.Coordinate)})
		}
	}
	return out
}

// GET /v1/coordinate/datacenters: every datacenter with the coordinates
// of its members. Consul lists its servers here; overlayd has none, and
// every member's coordinate is in one space, so the members stand in.
func (s *Server) coordinateDatacenters(_ *http.Request, v *agentView) (any, error) {
	out := []coordinateDatacenterJSON{}
	for _, dc := range v.directory().datacenters {
		out = append(out, coordinateDatacenterJSON{
			Datacenter: dc, AreaID: "wan",
			Coordinates: coordinateEntries(liveMembers(v, readParams{dc: dc})),
		})
	}
	return out, nil
}
