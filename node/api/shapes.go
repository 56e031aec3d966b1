package api

import "github.com/overlayd/overlayd/vivaldi"

// The JSON shapes of Consul's API, field for field as
// github.com/hashicorp/consul/api v1.34 defines them (its structs are the
// reference; the compatibility test in compat/consulapi checks every
// field). Fields of Consul features overlayd lacks (Connect, namespaces,
// partitions, peering) are left out where Consul's own structs omit them
// when empty, and sent empty where they do not.

// nodeJSON is Consul's Node.
type nodeJSON struct {
	ID              string
	Node            string
	Address         string
	Datacenter      string
	TaggedAddresses taggedAddressesJSON
	Meta            map[string]string
	CreateIndex     uint64
	ModifyIndex     uint64
}

// taggedAddressesJSON is the object Consul writes for a node's
// TaggedAddresses map: a struct, which encodes faster than a map.
type taggedAddressesJSON struct {
	LAN     string `json:"lan"`
	LANIPv4 string `json:"lan_ipv4,omitempty"`
	LANIPv6 string `json:"lan_ipv6,omitempty"`
	WAN     string `json:"wan"`
	WANIPv4 string `json:"wan_ipv4,omitempty"`
	WANIPv6 string `json:"wan_ipv6,omitempty"`
}

// weightsJSON is Consul's AgentWeights.
type weightsJSON struct {
	Passing int
	Warning int
}

// defaultWeights are Consul's, the only ones overlayd has.
var defaultWeights = weightsJSON{Passing: 1, Warning: 1}

// agentServiceJSON is Consul's AgentService.
type agentServiceJSON struct {
	ID                string
	Service           string
	Tags              []string
	Meta              map[string]string
	Port              int
	Address           string
	Weights           weightsJSON
	EnableTagOverride bool
	CreateIndex       uint64 `json:",omitempty"`
	ModifyIndex       uint64 `json:",omitempty"`
	Datacenter        string `json:",omitempty"`
}

// checkDefinitionJSON is Consul's HealthCheckDefinition as Consul's
// agent encodes it: durations as Go duration strings.
type checkDefinitionJSON struct {
	HTTP                           string
	Header                         map[string][]string
	Method                         string
	Body                           string
	TLSServerName                  string
	TLSSkipVerify                  bool
	TCP                            string
	TCPUseTLS                      bool
	UDP                            string
	GRPC                           string
	OSService                      string
	GRPCUseTLS                     bool
	Interval                       string
	Timeout                        string
	DeregisterCriticalServiceAfter string
}

// healthCheckJSON is Consul's HealthCheck.
type healthCheckJSON struct {
	Node        string
	CheckID     string
	Name        string
	Status      string
	Notes       string
	Output      string
	ServiceID   string
	ServiceName string
	ServiceTags []string
	Type        string
	ExposedPort int
	Definition  checkDefinitionJSON
	CreateIndex uint64
	ModifyIndex uint64
}

// agentCheckJSON is Consul's AgentCheck.
type agentCheckJSON struct {
	Node        string
	CheckID     string
	Name        string
	Status      string
	Notes       string
	Output      string
	ServiceID   string
	ServiceName string
	Type        string
	ExposedPort int
	Definition  checkDefinitionJSON
}

// serviceEntryJSON is Consul's ServiceEntry, an element of
// /v1/health/service/:name.
type serviceEntryJSON struct {
	Node    nodeJSON
	Service agentServiceJSON
	Checks  []healthCheckJSON
}

// catalogServiceJSON is Consul's CatalogService.
type catalogServiceJSON struct {
	ID                       string
	Node                     string
	Address                  string
	Datacenter               string
	TaggedAddresses          taggedAddressesJSON
	NodeMeta                 map[string]string
	ServiceID                string
	ServiceName              string
	ServiceAddress           string
	ServiceTags              []string
	ServiceMeta              map[string]string
	ServicePort              int
	ServiceWeights           weightsJSON
	ServiceEnableTagOverride bool
	CreateIndex              uint64
	ModifyIndex              uint64
}

// agentMemberJSON is Consul's AgentMember.
type agentMemberJSON struct {
	Name        string
	Addr        string
	Port        uint16
	Tags        map[string]string
	Status      int
	ProtocolMin uint8
	ProtocolMax uint8
	ProtocolCur uint8
	DelegateMin uint8
	DelegateMax uint8
	DelegateCur uint8
}

// coordinateJSON is serf's coordinate.Coordinate, which has the same
// fields and units (seconds) as a Vivaldi coordinate.
type coordinateJSON struct {
	Vec        []float64
	Error      float64
	Adjustment float64
	Height     float64
}

func toCoordinate(c *vivaldi.Coordinate) *coordinateJSON {
	if c == nil {
		return nil
	}
	vec := c.Vec
	if vec == nil {
		vec = []float64{}
	}
	return &coordinateJSON{Vec: vec, Error: c.Error, Adjustment: c.Adjustment, Height: c.Height}
}

// coordinateEntryJSON is Consul's CoordinateEntry.
type coordinateEntryJSON struct {
	Node    string
	Segment string
	Coord   *coordinateJSON
}

// coordinateDatacenterJSON is Consul's CoordinateDatacenterMap.
type coordinateDatacenterJSON struct {
	Datacenter  string
	AreaID      string
	Coordinates []coordinateEntryJSON
}
