package api

import (
	"net/http"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
)

// NearestAnswer is the answer of GET /v1/nearest/:service.
type NearestAnswer struct {
	Service string
	// RequestedDatacenter is the datacenter asked for (this agent's by
	// default); Datacenter is the one the instances are in.
	RequestedDatacenter string
	Datacenter          string
	// FailedOver reports that the datacenter asked for had no passing
	// instance, and Instances come from the nearest datacenter that has.
	FailedOver bool
	// Instances are the nearest passing instances, nearest first.
	Instances []NearestInstance
}

// NearestInstance is one instance of a NearestAnswer.
type NearestInstance struct {
	Node        string
	NodeAddress string
	Datacenter  string
	// NodeStatus is "alive" or "suspect".
	NodeStatus     string
	ServiceID      string
	ServiceAddress string
	ServicePort    int
	ServiceTags    []string
	ServiceMeta    map[string]string
	// RTTKnown reports whether the round trip from this agent is known;
	// when it is, EstimatedRTTSeconds is the round trip, and EstimatedRTT
	// the same as a Go duration string. RTTMeasured reports that this
	// agent measured it directly (the minimum of its latest probes or
	// coordinate samples of the node, within a few minutes); otherwise it
	// is estimated from both nodes' coordinates. Measured round trips rank
	// the instances where known.
	RTTKnown            bool
	RTTMeasured         bool
	EstimatedRTTSeconds float64
	EstimatedRTT        string
}

// MaxNearest bounds n in /v1/nearest.
const MaxNearest = 1000

// GET /v1/nearest/:service?n=3&dc=&tag=
func (s *Server) nearest(r *http.Request, v *agentView) (any, error) {
	name, err := serviceName(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	n, err := positiveInt(q, "n", 3, MaxNearest)
	if err != nil {
		return nil, err
	}
	dc, tag := q.Get("dc"), q.Get("tag")
	if len(dc) > catalog.MaxDatacenterLen {
		return nil, badRequest("dc", "%d bytes exceed %d", len(dc), catalog.MaxDatacenterLen)
	}
	if dc == "" {
		dc = v.st.Datacenter
	}
	out := NearestAnswer{Service: name, RequestedDatacenter: dc, Datacenter: dc, Instances: []NearestInstance{}}
	if v.st.Catalog == nil {
		return out, nil
	}
	res := v.st.Nearest(catalog.Query{Service: name, Tag: tag, Datacenter: dc, N: n})
	out.Datacenter, out.FailedOver = res.Datacenter, res.FailedOver
	for _, in := range res.Instances {
		host, _ := hostPort(in.Member.Addr)
		ni := NearestInstance{
			Node: string(in.Member.ID), NodeAddress: host, Datacenter: in.Datacenter, NodeStatus: in.Status.String(),
			ServiceID: in.Service.ID, ServiceAddress: in.Service.Address, ServicePort: int(in.Service.Port),
			ServiceTags: orEmpty(in.Service.Tags), ServiceMeta: orEmptyMap(in.Service.Meta), RTTKnown: in.RTTKnown, RTTMeasured: in.RTTMeasured,
		}
		if in.RTTKnown {
			ni.EstimatedRTTSeconds, ni.EstimatedRTT = in.EstimatedRTT.Seconds(), roundRTT(in.EstimatedRTT)
		}
		out.Instances = append(out.Instances, ni)
	}
	return out, nil
}

// roundRTT writes an estimate to 10 µs, which is finer than Vivaldi's
// accuracy.
func roundRTT(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }
