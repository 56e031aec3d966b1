package client

import (
	"context"
	"maps"
	"net/url"
	"slices"
	"strconv"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/services"
)

// Service is one of this agent's instances with its checks.
type Service struct {
	ID      string
	Name    string
	Address string
	Port    int
	Tags    []string
	Meta    map[string]string
	// Health is the worst of the checks: "passing", "warning" or
	// "critical" ("passing" without checks).
	Health string
	Checks []Check
}

// Check is one check of a Service.
type Check struct {
	ID, Name, Type, Status, Output string
}

type agentServiceJSON struct {
	ID, Service, Address string
	Port                 int
	Tags                 []string
	Meta                 map[string]string
}

type agentCheckJSON struct {
	CheckID, Name, Status, Output, ServiceID, Type string
}

var severity = map[string]int{"passing": 0, "warning": 1, "critical": 2}

// Services returns this agent's instances, sorted by ID, with their
// checks sorted by ID.
func (c *Client) Services(ctx context.Context) ([]Service, error) {
	var svcs map[string]agentServiceJSON
	if err := c.do(ctx, "GET", "/v1/agent/services", nil, nil, &svcs); err != nil {
		return nil, err
	}
	var checks map[string]agentCheckJSON
	if err := c.do(ctx, "GET", "/v1/agent/checks", nil, nil, &checks); err != nil {
		return nil, err
	}
	out := make([]Service, 0, len(svcs))
	for _, id := range slices.Sorted(maps.Keys(svcs)) {
		s := svcs[id]
		svc := Service{ID: s.ID, Name: s.Service, Address: s.Address, Port: s.Port, Tags: s.Tags, Meta: s.Meta, Health: "passing"}
		for _, cid := range slices.Sorted(maps.Keys(checks)) {
			ch := checks[cid]
			if ch.ServiceID != id {
				continue
			}
			svc.Checks = append(svc.Checks, Check{ID: ch.CheckID, Name: ch.Name, Type: ch.Type, Status: ch.Status, Output: ch.Output})
			if severity[ch.Status] > severity[svc.Health] {
				svc.Health = ch.Status
			}
		}
		out = append(out, svc)
	}
	return out, nil
}

// CatalogServices returns every service name in a datacenter ("" for
// this agent's) with the tags of its instances.
func (c *Client) CatalogServices(ctx context.Context, dc string) (map[string][]string, error) {
	q := url.Values{}
	if dc != "" {
		q.Set("dc", dc)
	}
	var out map[string][]string
	err := c.do(ctx, "GET", "/v1/catalog/services", q, nil, &out)
	return out, err
}

// RegisterService registers (or replaces) an instance with the agent.
// Parse a file with services.ParseFile first: the agent then refuses only
// what it cannot take (a check ID of another service, the catalog's
// limits).
func (c *Client) RegisterService(ctx context.Context, def services.Definition) error {
	return c.do(ctx, "PUT", "/v1/agent/service/register", nil, def, nil)
}

// DeregisterService removes an instance; IsNotFound(err) if the agent has
// no such instance.
func (c *Client) DeregisterService(ctx context.Context, id string) error {
	return c.do(ctx, "PUT", "/v1/agent/service/deregister/"+url.PathEscape(id), nil, nil, nil)
}

// NearestOptions refine a Nearest query; the zero value asks for the 3
// nearest passing instances in this agent's datacenter.
type NearestOptions struct {
	N          int
	Datacenter string
	Tag        string
}

// Nearest returns the nearest passing instances of a service, failing
// over to the nearest datacenter that has one (ans.FailedOver).
func (c *Client) Nearest(ctx context.Context, service string, opts NearestOptions) (api.NearestAnswer, error) {
	q := url.Values{}
	if opts.N > 0 {
		q.Set("n", strconv.Itoa(opts.N))
	}
	if opts.Datacenter != "" {
		q.Set("dc", opts.Datacenter)
	}
	if opts.Tag != "" {
		q.Set("tag", opts.Tag)
	}
	var ans api.NearestAnswer
	err := c.do(ctx, "GET", "/v1/nearest/"+url.PathEscape(service), q, nil, &ans)
	return ans, err
}
