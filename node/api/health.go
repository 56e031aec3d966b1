package api

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
)

// selectInstances returns the instances of a service in the datacenter
// asked for, with the tags asked for, ordered by node name and service ID,
// or nearest first with near. Instances of members that left are gone,
// as Consul deregisters a node that leaves.
func selectInstances(v *agentView, name string, p readParams) []instanceRef {
	var out []instanceRef
	for _, ref := range v.directory().instances[name] {
		r, s := v.directory().record(ref), v.directory().service(ref)
		if r.Status == catalog.Left || r.Datacenter != p.dc || !hasTags(s.Tags, p.tags) {
			continue
		}
		out = append(out, ref)
	}
	if p.near {
		sortNear(out, p, func(ref instanceRef) *catalog.Record { return v.directory().record(ref) })
	}
	return out
}

// sortNear orders items nearest first from p's coordinate, or by the RTT
// measured where p has one, unknown estimates last, keeping the given
// order among equals. The directory's order, by member name, is the
// tie-break.
func sortNear[T any](items []T, p readParams, rec func(T) *catalog.Record) {
	type keyed struct {
		item  T
		rtt   time.Duration
		known bool
	}
	ks := make([]keyed, len(items))
	for i, it := range items {
		ks[i].item = it
		r := rec(it)
		if p.nearMeasured != nil {
			ks[i].rtt, ks[i].known = p.nearMeasured(r.Member.ID)
		}
		if !ks[i].known && p.nearKnown && r.Coordinate != nil {
			ks[i].rtt, ks[i].known = p.nearFrom.DistanceTo(*r.Coordinate), true
		}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if a.known != b.known {
			if a.known {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.rtt, b.rtt)
	})
	for i := range ks {
		items[i] = ks[i].item
	}
}

// healthEntries is the answer of /v1/health/service/:name.
func healthEntries(v *agentView, name string, p readParams) []serviceEntryJSON {
	out := []serviceEntryJSON{}
	for _, ref := range selectInstances(v, name, p) {
		r, s := v.directory().record(ref), v.directory().service(ref)
		checks := append([]healthCheckJSON{serfCheck(r)}, serviceChecks(v, r, s, true)...)
		if p.passing && entryHealth(checks) != catalog.Passing {
			continue
		}
		out = append(out, serviceEntryJSON{Node: toNode(r), Service: toAgentService(s, "", false), Checks: checks})
	}
	return out
}

// GET /v1/health/service/:name?dc=&tag=&passing&near=
func (s *Server) healthService(r *http.Request, v *agentView) (any, error) {
	name, err := serviceName(r)
	if err != nil {
		return nil, err
	}
	p, err := parseRead(r.URL.Query(), v)
	if err != nil {
		return nil, err
	}
	return healthEntries(v, name, p), nil
}

// serviceName reads the {name} or {service} path segment.
func serviceName(r *http.Request) (string, error) {
	name := cmp.Or(r.PathValue("name"), r.PathValue("service"))
	if name == "" || len(name) > catalog.MaxServiceNameLen || strings.ContainsAny(name, "\x00") {
		return "", badRequest("service", "want a service name of 1..%d bytes", catalog.MaxServiceNameLen)
	}
	return name, nil
}
