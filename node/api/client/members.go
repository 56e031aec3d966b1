package client

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/overlayd/overlayd/node/api"
)

// Member is a member of the cluster as this agent sees it.
type Member struct {
	Name       string
	Addr       string
	Port       uint16
	Datacenter string
	// Status is "alive", "suspect", "dead" or "left".
	Status string
	// Incarnation is the member's SWIM incarnation as this agent knows it:
	// a restarted member comes back with a higher one.
	Incarnation uint64
	// RTT is the estimated round trip from this agent, valid if RTTKnown.
	RTT      time.Duration
	RTTKnown bool
}

type memberJSON struct {
	Name string
	Addr string
	Port uint16
	Tags map[string]string
}

// Members returns every member with its estimated RTT from this agent,
// sorted by name.
func (c *Client) Members(ctx context.Context) ([]Member, error) {
	var members []memberJSON
	if err := c.do(ctx, "GET", "/v1/agent/members", nil, nil, &members); err != nil {
		return nil, err
	}
	var rtts api.RTTAnswer
	if err := c.do(ctx, "GET", "/v1/rtt", nil, nil, &rtts); err != nil {
		return nil, err
	}
	byName := make(map[string]api.RTTEstimate, len(rtts.Estimates))
	for _, e := range rtts.Estimates {
		byName[e.To] = e
	}
	out := make([]Member, 0, len(members))
	for _, m := range members {
		e := byName[m.Name]
		inc, _ := strconv.ParseUint(m.Tags["incarnation"], 10, 64)
		out = append(out, Member{
			Name: m.Name, Addr: m.Addr, Port: m.Port, Datacenter: m.Tags["dc"], Status: m.Tags["status"], Incarnation: inc,
			RTT: time.Duration(e.EstimatedRTTSeconds * float64(time.Second)), RTTKnown: e.Known,
		})
	}
	return out, nil
}

// RTT returns the estimated round trip between two members; from ""
// means this agent.
func (c *Client) RTT(ctx context.Context, from, to string) (api.RTTEstimate, error) {
	if to == "" {
		return api.RTTEstimate{}, errors.New("client: RTT needs a member to measure to")
	}
	q := url.Values{"to": {to}}
	if from != "" {
		q.Set("from", from)
	}
	var ans api.RTTAnswer
	if err := c.do(ctx, "GET", "/v1/rtt", q, nil, &ans); err != nil {
		return api.RTTEstimate{}, err
	}
	if len(ans.Estimates) != 1 {
		return api.RTTEstimate{}, fmt.Errorf("client: %d estimates for one member", len(ans.Estimates))
	}
	return ans.Estimates[0], nil
}

// Join asks the agent to join the cluster through each address; it
// returns the errors of those that failed, joined.
func (c *Client) Join(ctx context.Context, addrs ...string) error {
	if len(addrs) == 0 {
		return errors.New("client: Join needs an address")
	}
	var errs []error
	for _, a := range addrs {
		if err := c.do(ctx, "PUT", "/v1/agent/join/"+url.PathEscape(a), nil, nil, nil); err != nil {
			errs = append(errs, fmt.Errorf("joining %s: %w", a, err))
		}
	}
	return errors.Join(errs...)
}

// Leave asks the agent to leave the cluster gracefully.
func (c *Client) Leave(ctx context.Context) error {
	return c.do(ctx, "PUT", "/v1/agent/leave", nil, nil, nil)
}
