package api

import (
	"net/http"
	"strconv"
)

// GET /v1/agent/self: this agent's configuration, coordinate and member
// entry, in the parts of Consul's shape that clients read (Config.NodeName,
// Config.Datacenter, Coord, Member), and overlayd's own Stats, with the
// data directory's error if its last write failed.
func (s *Server) agentSelf(_ *http.Request, v *agentView) (any, error) {
	self, ok := v.directory().member(string(v.st.Self.ID))
	member := agentMemberJSON{Name: string(v.st.Self.ID)}
	if ok {
		member = toMember(self)
	}
	stats := map[string]string{
		"incarnation": strconv.FormatUint(v.st.Incarnation, 10),
		"members":     strconv.Itoa(len(v.directory().members)),
		"services":    strconv.Itoa(len(v.svc.Services)),
		"checks":      strconv.Itoa(len(v.svc.Checks)),
	}
	if p, ok := s.cfg.Backend.(persistReporter); ok {
		if err := p.PersistError(); err != nil {
			stats["data_dir_error"] = err.Error()
		}
	}
	return map[string]any{
		"Config": map[string]any{
			"Datacenter": v.st.Datacenter, "PrimaryDatacenter": v.st.Datacenter, "NodeName": string(v.st.Self.ID),
			"NodeID": nodeID(string(v.st.Self.ID)), "Server": false, "Revision": "", "Version": s.cfg.Version,
		},
		"Coord":  toCoordinate(&v.st.Coordinate),
		"Member": member,
		"Meta":   map[string]string{},
		"Stats":  map[string]map[string]string{"overlayd": stats},
	}, nil
}

// persistReporter is a Backend that keeps state on disk and reports its
// last failure to (node.Agent.PersistError); /v1/agent/self shows it as
// Stats.overlayd.data_dir_error while it lasts.
type persistReporter interface{ PersistError() error }

// GET /v1/agent/members: every member the agent knows, in every
// datacenter (overlayd has one pool; wan=1 names the same one).
func (s *Server) agentMembers(r *http.Request, v *agentView) (any, error) {
	if _, err := flag(r.URL.Query(), "wan"); err != nil {
		return nil, err
	}
	out := make([]agentMemberJSON, 0, len(v.directory().members))
	for i := range v.directory().members {
		out = append(out, toMember(&v.directory().members[i]))
	}
	return out, nil
}

// GET /v1/agent/services: this agent's instances, by ID.
func (s *Server) agentServices(_ *http.Request, v *agentView) (any, error) {
	out := make(map[string]agentServiceJSON, len(v.svc.Services))
	for _, st := range v.svc.Services {
		svc := localService(&st)
		out[st.ID] = toAgentService(&svc, v.st.Datacenter, st.EnableTagOverride)
	}
	return out, nil
}

// GET /v1/agent/checks: this agent's checks, by ID, with their latest
// output.
func (s *Server) agentChecks(_ *http.Request, v *agentView) (any, error) {
	out := make(map[string]agentCheckJSON, len(v.svc.Checks))
	for _, c := range v.svc.Checks {
		out[c.Definition.ID] = agentCheckJSON{
			Node: string(v.st.Self.ID), CheckID: c.Definition.ID, Name: c.Definition.Name, Status: healthName(c.Status),
			Notes: c.Definition.Notes, Output: c.Output, ServiceID: c.ServiceID, ServiceName: c.ServiceName,
			Type: c.Definition.Kind.String(), Definition: toDefinition(&c.Definition),
		}
	}
	return out, nil
}
