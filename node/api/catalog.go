package api

import (
	"net/http"
	"slices"

	"github.com/overlayd/overlayd/node/catalog"
)

// GET /v1/catalog/services?dc= : every service name in the datacenter
// with the union of its instances' tags.
func (s *Server) catalogServices(r *http.Request, v *agentView) (any, error) {
	p, err := parseRead(r.URL.Query(), v)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for name, refs := range v.directory().instances {
		var tags []string
		found := false
		for _, ref := range refs {
			rec := v.directory().record(ref)
			if rec.Status == catalog.Left || rec.Datacenter != p.dc {
				continue
			}
			found = true
			tags = append(tags, v.directory().service(ref).Tags...)
		}
		if found {
			slices.Sort(tags)
			out[name] = orEmpty(slices.Compact(tags))
		}
	}
	return out, nil
}

// GET /v1/catalog/service/:name?dc=&tag=&near=
func (s *Server) catalogService(r *http.Request, v *agentView) (any, error) {
	name, err := serviceName(r)
	if err != nil {
		return nil, err
	}
	p, err := parseRead(r.URL.Query(), v)
	if err != nil {
		return nil, err
	}
	out := []catalogServiceJSON{}
	for _, ref := range selectInstances(v, name, p) {
		rec, svc := v.directory().record(ref), v.directory().service(ref)
		n := toNode(rec)
		out = append(out, catalogServiceJSON{
			ID: n.ID, Node: n.Node, Address: n.Address, Datacenter: n.Datacenter, TaggedAddresses: n.TaggedAddresses,
			NodeMeta: n.Meta, ServiceID: svc.ID, ServiceName: svc.Name, ServiceAddress: svc.Address,
			ServiceTags: orEmpty(svc.Tags), ServiceMeta: orEmptyMap(svc.Meta), ServicePort: int(svc.Port),
			ServiceWeights: defaultWeights,
		})
	}
	return out, nil
}

// liveMembers returns the members of datacenter dc that have not left,
// by name or nearest first.
func liveMembers(v *agentView, p readParams) []*catalog.Record {
	var out []*catalog.Record
	for i := range v.directory().members {
		if r := &v.directory().members[i]; r.Status != catalog.Left && r.Datacenter == p.dc {
			out = append(out, r)
		}
	}
	if p.near {
		sortNear(out, p, func(r *catalog.Record) *catalog.Record { return r })
	}
	return out
}

// GET /v1/catalog/nodes?dc=&near=
func (s *Server) catalogNodes(r *http.Request, v *agentView) (any, error) {
	p, err := parseRead(r.URL.Query(), v)
	if err != nil {
		return nil, err
	}
	out := []nodeJSON{}
	for _, rec := range liveMembers(v, p) {
		out = append(out, toNode(rec))
	}
	return out, nil
}

// GET /v1/catalog/datacenters
func (s *Server) catalogDatacenters(_ *http.Request, v *agentView) (any, error) {
	return orEmpty(v.directory().datacenters), nil
}
