package api

import (
	"crypto/sha256"
	"fmt"
	"net"
	"strconv"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/services"
)

// Consul's names of the agent's own node check.
const (
	serfCheckID   = "serfHealth"
	serfCheckName = "Serf Health Status"
)

// Consul's member status numbers (serf.MemberStatus).
const (
	memberAlive  = 1
	memberLeft   = 3
	memberFailed = 4
)

// nodeID derives a stable UUID-shaped ID from a member's name: Consul's
// nodes have one, and some clients key on it.
func nodeID(name string) string {
	h := sha256.Sum256([]byte("overlayd node " + name))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// hostPort splits a member's address into Consul's IP (or host) and port.
func hostPort(addr string) (string, uint16) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	p, _ := strconv.ParseUint(port, 10, 16)
	return host, uint16(p)
}

// noMeta is the empty meta of every node, shared: it is only encoded.
var noMeta = map[string]string{}

func toNode(r *catalog.Record) nodeJSON {
	host, _ := hostPort(r.Member.Addr)
	tagged := taggedAddressesJSON{LAN: host, WAN: host}
	if ip := net.ParseIP(host); ip != nil {
		if ip.To4() != nil {
			tagged.LANIPv4, tagged.WANIPv4 = host, host
		} else {
			tagged.LANIPv6, tagged.WANIPv6 = host, host
		}
	}
	return nodeJSON{
		ID: nodeID(string(r.Member.ID)), Node: string(r.Member.ID), Address: host, Datacenter: r.Datacenter,
		TaggedAddresses: tagged, Meta: noMeta,
	}
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func toAgentService(s *catalog.Service, dc string, enableTagOverride bool) agentServiceJSON {
	return agentServiceJSON{
		ID: s.ID, Service: s.Name, Tags: orEmpty(s.Tags), Meta: orEmptyMap(s.Meta), Port: int(s.Port),
		Address: s.Address, Weights: defaultWeights, EnableTagOverride: enableTagOverride, Datacenter: dc,
	}
}

func healthName(h catalog.Health) string {
	if h < catalog.Passing || h > catalog.Critical {
		return "critical"
	}
	return h.String()
}

// memberHealth is the status of a member's node check: passing while it
// is alive or suspect (most suspicions are refuted), critical once dead.
func memberHealth(s catalog.Status) catalog.Health {
	if s == catalog.Alive || s == catalog.Suspect {
		return catalog.Passing
	}
	return catalog.Critical
}

func serfCheck(r *catalog.Record) healthCheckJSON {
	h := memberHealth(r.Status)
	output := "Agent alive and reachable"
	if h != catalog.Passing {
		output = "Agent not live or unreachable (" + r.Status.String() + ")"
	}
	return healthCheckJSON{
		Node: string(r.Member.ID), CheckID: serfCheckID, Name: serfCheckName, Status: healthName(h),
		Output: output, ServiceTags: []string{}, Definition: emptyDefinition(),
	}
}

func emptyDefinition() checkDefinitionJSON {
	return checkDefinitionJSON{Interval: "0s", Timeout: "0s", DeregisterCriticalServiceAfter: "0s"}
}

func durationJSON(d interface{ String() string }) string { return d.String() }

func toDefinition(c *services.CheckDefinition) checkDefinitionJSON {
	d := emptyDefinition()
	d.HTTP, d.Header, d.Method, d.Body = c.HTTP, c.Header, c.Method, c.Body
	d.TLSServerName, d.TLSSkipVerify, d.TCP = c.TLSServerName, c.TLSSkipVerify, c.TCP
	d.Interval, d.Timeout = durationJSON(c.Interval), durationJSON(c.Timeout)
	d.DeregisterCriticalServiceAfter = durationJSON(c.DeregisterCriticalServiceAfter)
	return d
}

// serviceChecks returns the checks of an instance in a health answer: a
// local instance's own checks, as this agent runs them; for another
// member's instance, one check that carries the health its member
// reports (the catalog holds the aggregate only). An instance of a dead
// or left member is critical, whatever it last reported.
func serviceChecks(v *agentView, r *catalog.Record, s *catalog.Service, reported bool) []healthCheckJSON {
	node, tags := string(r.Member.ID), orEmpty(s.Tags)
	if r.Member.ID == v.st.Self.ID {
		if local := v.svc.ChecksOf(s.ID); len(local) > 0 {
			out := make([]healthCheckJSON, 0, len(local))
			for _, c := range local {
				out = append(out, healthCheckJSON{
					Node: node, CheckID: c.Definition.ID, Name: c.Definition.Name, Status: healthName(c.Status),
					Notes: c.Definition.Notes, Output: pick(reported, c.ReportedOutput, c.Output),
					ServiceID: s.ID, ServiceName: s.Name, ServiceTags: tags, Type: c.Definition.Kind.String(),
					Definition: toDefinition(&c.Definition),
				})
			}
			return out
		}
	}
	h := max(s.Health, memberHealth(r.Status))
	return []healthCheckJSON{{
		Node: node, CheckID: "service:" + s.ID, Name: "Service '" + s.Name + "' check", Status: healthName(h),
		Output: "health as reported by " + node, ServiceID: s.ID, ServiceName: s.Name, ServiceTags: tags,
		Definition: emptyDefinition(),
	}}
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// entryHealth is the worst status of a health entry's checks.
func entryHealth(checks []healthCheckJSON) catalog.Health {
	worst := catalog.Passing
	for _, c := range checks {
		h, _ := services.ParseHealth(c.Status)
		worst = max(worst, h)
	}
	return worst
}

func memberStatus(s catalog.Status) int {
	switch s {
	case catalog.Alive, catalog.Suspect:
		return memberAlive
	case catalog.Left:
		return memberLeft
	}
	return memberFailed
}

func toMember(r *catalog.Record) agentMemberJSON {
	host, port := hostPort(r.Member.Addr)
	return agentMemberJSON{
		Name: string(r.Member.ID), Addr: host, Port: port, Status: memberStatus(r.Status),
		Tags: map[string]string{
			"dc": r.Datacenter, "role": "node", "id": nodeID(string(r.Member.ID)),
			"status": r.Status.String(), "incarnation": strconv.FormatUint(r.Incarnation, 10),
		},
		ProtocolMin: 1, ProtocolMax: 1, ProtocolCur: 1, DelegateMin: 1, DelegateMax: 1, DelegateCur: 1,
	}
}
