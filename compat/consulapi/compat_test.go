package consulapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/vivaldi"
)

// agent is an overlayd API on loopback over a fake backend: this agent
// "self" at the origin, and members near (10 ms), far (30 ms) and sick
// offering "web" in dc1.
type agent struct {
	env    *apitest.Env
	addr   string
	consul *consul.Client
}

func at(x float64) *vivaldi.Coordinate {
	v := make([]float64, vivaldi.DefaultDimensionality)
	v[0] = x
	return &vivaldi.Coordinate{Vec: v, Error: 0.2}
}

func startAgent(t *testing.T) *agent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	env, err := apitest.NewEnv(ctx, apitest.Config{}, services.Config{}, api.Config{Version: "compat"})
	require.NoError(t, err)
	web := func(h catalog.Health, tags ...string) catalog.Service {
		return catalog.Service{ID: "web-1", Name: "web", Port: 80, Tags: tags, Meta: map[string]string{"v": "1"}, Health: h}
	}
	require.NoError(t, env.Backend.Apply(
		apitest.Record("far", "10.0.0.3:7946", "dc1", at(0.03), web(catalog.Passing, "blue")),
		apitest.Record("near", "10.0.0.1:7946", "dc1", at(0.01), web(catalog.Passing, "green")),
		apitest.Record("sick", "10.0.0.2:7946", "dc1", at(0.02), web(catalog.Critical)),
	))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- env.Server.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-served)
		require.NoError(t, <-env.Done)
	})
	cfg := consul.DefaultConfig()
	cfg.Address = ln.Addr().String()
	c, err := consul.NewClient(cfg)
	require.NoError(t, err)
	return &agent{env: env, addr: ln.Addr().String(), consul: c}
}

// raw returns the JSON body of a GET.
func (a *agent) raw(t *testing.T, path string) []byte {
	t.Helper()
	resp, err := http.Get("http://" + a.addr + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}

// strictDecode decodes body into out refusing any field that the Consul
// client's struct lacks.
func strictDecode(t *testing.T, body []byte, out any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(out), "%s", body)
}

// keys returns the keys of a JSON object.
func keys(t *testing.T, obj json.RawMessage) []string {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(obj, &m), "%s", obj)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// alwaysPresent returns the keys the Consul client itself writes for a
// value of its struct: the fields without omitempty.
func alwaysPresent(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return keys(t, b)
}

// requireFields checks that obj has exactly the Consul struct's
// always-present fields, plus at most the optional ones in extra.
func requireFields(t *testing.T, what string, obj json.RawMessage, consulValue any, extra ...string) {
	t.Helper()
	got, want := keys(t, obj), alwaysPresent(t, consulValue)
	for _, k := range want {
		require.Contains(t, got, k, "%s lacks %s", what, k)
	}
	for _, k := range got {
		require.True(t, slices.Contains(want, k) || slices.Contains(extra, k), "%s has %s, which Consul's client does not always write", what, k)
	}
}

func TestHealthServicePassingNearAgent(t *testing.T) {
	a := startAgent(t)
	entries, meta, err := a.consul.Health().Service("web", "", true, &consul.QueryOptions{Near: "_agent"})
	require.NoError(t, err)
	require.Len(t, entries, 2, "sick is critical")
	require.Equal(t, "near", entries[0].Node.Node, "nearest first")
	require.Equal(t, "far", entries[1].Node.Node)
	require.Positive(t, meta.LastIndex)
	require.True(t, meta.KnownLeader)

	e := entries[0]
	require.Equal(t, "10.0.0.1", e.Node.Address)
	require.Equal(t, "dc1", e.Node.Datacenter)
	require.Equal(t, "10.0.0.1", e.Node.TaggedAddresses["lan"])
	require.Len(t, e.Node.ID, 36, "a UUID")
	require.Equal(t, "web-1", e.Service.ID)
	require.Equal(t, "web", e.Service.Service)
	require.Equal(t, 80, e.Service.Port)
	require.Equal(t, []string{"green"}, e.Service.Tags)
	require.Equal(t, map[string]string{"v": "1"}, e.Service.Meta)
	require.Equal(t, consul.AgentWeights{Passing: 1, Warning: 1}, e.Service.Weights)
	require.Len(t, e.Checks, 2)
	require.Equal(t, "serfHealth", e.Checks[0].CheckID)
	require.Equal(t, consul.HealthPassing, e.Checks.AggregatedStatus())
	require.Equal(t, "web-1", e.Checks[1].ServiceID)
	require.Equal(t, []string{"green"}, e.Checks[1].ServiceTags)

	// Field for field.
	body := a.raw(t, "/v1/health/service/web?passing&near=_agent")
	var strict []consul.ServiceEntry
	strictDecode(t, body, &strict)
	var objs []struct {
		Node, Service json.RawMessage
		Checks        []json.RawMessage
	}
	require.NoError(t, json.Unmarshal(body, &objs))
	requireFields(t, "ServiceEntry", mustObject(t, body), consul.ServiceEntry{})
	requireFields(t, "Node", objs[0].Node, consul.Node{})
	requireFields(t, "Service", objs[0].Service, consul.AgentService{})
	for _, c := range objs[0].Checks {
		requireFields(t, "HealthCheck", c, consul.HealthCheck{})
		var def struct{ Definition json.RawMessage }
		require.NoError(t, json.Unmarshal(c, &def))
		requireFields(t, "HealthCheckDefinition", def.Definition, &consul.HealthCheckDefinition{})
	}
}

// mustObject returns the first element of a JSON array.
func mustObject(t *testing.T, body []byte) json.RawMessage {
	var arr []json.RawMessage
	require.NoError(t, json.Unmarshal(body, &arr))
	require.NotEmpty(t, arr)
	return arr[0]
}

func TestCatalogServices(t *testing.T) {
	a := startAgent(t)
	svcs, meta, err := a.consul.Catalog().Services(nil)
	require.NoError(t, err)
	require.Equal(t, map[string][]string{"web": {"blue", "green"}}, svcs)
	require.Positive(t, meta.LastIndex)
	body := a.raw(t, "/v1/catalog/services")
	var strict map[string][]string
	strictDecode(t, body, &strict)
	require.JSONEq(t, `{"web":["blue","green"]}`, string(body))

	// A blocking query with the client's own WaitIndex returns at its
	// wait when nothing changes, and at once when something does.
	start := time.Now()
	_, meta2, err := a.consul.Catalog().Services(&consul.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: 300 * time.Millisecond})
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	require.Equal(t, meta.LastIndex, meta2.LastIndex)
	done := make(chan uint64, 1)
	go func() {
		_, m, err := a.consul.Catalog().Services(&consul.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: time.Minute})
		if err != nil {
			done <- 0
			return
		}
		done <- m.LastIndex
	}()
	require.Eventually(t, func() bool { return a.env.Server.Blocked() == 1 }, 10*time.Second, time.Millisecond)
	require.NoError(t, a.consul.Agent().ServiceRegister(&consul.AgentServiceRegistration{Name: "db"}))
	require.Greater(t, <-done, meta.LastIndex)
}

func TestAgentServiceRegister(t *testing.T) {
	a := startAgent(t)
	ag := a.consul.Agent()
	reg := &consul.AgentServiceRegistration{
		ID: "api-1", Name: "api", Tags: []string{"v2"}, Port: 9000, Address: "10.9.9.9",
		Meta: map[string]string{"team": "core"}, Weights: &consul.AgentWeights{Passing: 1, Warning: 1},
		Check: &consul.AgentServiceCheck{CheckID: "api-ttl", TTL: "30s", Status: consul.HealthWarning, DeregisterCriticalServiceAfter: "10m"},
		Checks: consul.AgentServiceChecks{
			{Name: "api tcp", TCP: "127.0.0.1:1", Interval: "10s", Timeout: "1s"},
		},
	}
	require.NoError(t, ag.ServiceRegister(reg))

	svcs, err := ag.Services()
	require.NoError(t, err)
	got := svcs["api-1"]
	require.NotNil(t, got)
	require.Equal(t, "api", got.Service)
	require.Equal(t, []string{"v2"}, got.Tags)
	require.Equal(t, 9000, got.Port)
	require.Equal(t, "10.9.9.9", got.Address)
	require.Equal(t, map[string]string{"team": "core"}, got.Meta)
	require.Equal(t, consul.AgentWeights{Passing: 1, Warning: 1}, got.Weights)
	require.Equal(t, "dc1", got.Datacenter)
	var strictSvcs map[string]consul.AgentService
	body := a.raw(t, "/v1/agent/services")
	strictDecode(t, body, &strictSvcs)
	var objs map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &objs))
	requireFields(t, "AgentService", objs["api-1"], consul.AgentService{}, "Datacenter")

	checks, err := ag.Checks()
	require.NoError(t, err)
	require.Equal(t, consul.HealthWarning, checks["api-ttl"].Status)
	require.Equal(t, "ttl", checks["api-ttl"].Type)
	require.Equal(t, "service:api-1:2", checks["service:api-1:2"].CheckID, "Consul's numbering of unnamed checks")
	require.Equal(t, "127.0.0.1:1", checks["service:api-1:2"].Definition.TCP)
	require.Equal(t, 10*time.Second, checks["service:api-1:2"].Definition.IntervalDuration)
	var strictChecks map[string]consul.AgentCheck
	strictDecode(t, a.raw(t, "/v1/agent/checks"), &strictChecks)

	// The TTL endpoints, old and new.
	require.NoError(t, ag.PassTTL("api-ttl", "ok"))
	require.NoError(t, ag.UpdateTTL("api-ttl", "fine", consul.HealthPassing))
	checks, err = ag.Checks()
	require.NoError(t, err)
	require.Equal(t, consul.HealthPassing, checks["api-ttl"].Status)
	require.Equal(t, "fine", checks["api-ttl"].Output)

	// Refused: an error the client reports with the server's reason, and
	// nothing registered.
	err = ag.ServiceRegister(&consul.AgentServiceRegistration{Name: "bad", Check: &consul.AgentServiceCheck{HTTP: "http://x/"}})
	var se consul.StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusBadRequest, se.Code)
	require.Contains(t, se.Body, "Check.Interval")
	svcs, err = ag.Services()
	require.NoError(t, err)
	require.NotContains(t, svcs, "bad")

	require.NoError(t, ag.ServiceDeregister("api-1"))
	svcs, err = ag.Services()
	require.NoError(t, err)
	require.Empty(t, svcs)
}

func TestOtherEndpointsDecode(t *testing.T) {
	a := startAgent(t)
	members, err := a.consul.Agent().Members(false)
	require.NoError(t, err)
	require.Len(t, members, 4)
	require.Equal(t, 1, members[0].Status, "serf.StatusAlive")
	var strictMembers []consul.AgentMember
	strictDecode(t, a.raw(t, "/v1/agent/members"), &strictMembers)
	requireFields(t, "AgentMember", mustObject(t, a.raw(t, "/v1/agent/members")), consul.AgentMember{})

	name, err := a.consul.Agent().NodeName()
	require.NoError(t, err)
	require.Equal(t, "self", name)

	coords, _, err := a.consul.Coordinate().Nodes(nil)
	require.NoError(t, err)
	require.Len(t, coords, 4)
	require.Equal(t, 0.01, coords[1].Coord.Vec[0])
	var strictCoords []consul.CoordinateEntry
	strictDecode(t, a.raw(t, "/v1/coordinate/nodes"), &strictCoords)
	dcs, err := a.consul.Coordinate().Datacenters()
	require.NoError(t, err)
	require.Equal(t, "dc1", dcs[0].Datacenter)

	nodes, _, err := a.consul.Catalog().Nodes(&consul.QueryOptions{Near: "_agent"})
	require.NoError(t, err)
	require.Equal(t, []string{"self", "near", "sick", "far"}, []string{nodes[0].Node, nodes[1].Node, nodes[2].Node, nodes[3].Node})
	var strictNodes []consul.Node
	strictDecode(t, a.raw(t, "/v1/catalog/nodes"), &strictNodes)

	cs, _, err := a.consul.Catalog().Service("web", "blue", nil)
	require.NoError(t, err)
	require.Len(t, cs, 1)
	require.Equal(t, "far", cs[0].Node)
	require.Equal(t, 80, cs[0].ServicePort)
	var strictCS []consul.CatalogService
	strictDecode(t, a.raw(t, "/v1/catalog/service/web"), &strictCS)

	dcList, err := a.consul.Catalog().Datacenters()
	require.NoError(t, err)
	require.Equal(t, []string{"dc1"}, dcList)

	leader, err := a.consul.Status().Leader()
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:7946", leader)
	peers, err := a.consul.Status().Peers()
	require.NoError(t, err)
	require.Equal(t, []string{"127.0.0.1:7946"}, peers)

	require.NoError(t, a.consul.Agent().Join("10.0.0.9:7946", false))
	require.Equal(t, []string{"10.0.0.9:7946"}, a.env.Backend.Joined())
	require.NoError(t, a.consul.Agent().Leave())
}

// TestValuesMatchTheStructs checks, by reflection, that the Consul structs
// the API mirrors still have the fields the test expects: a newer client
// that added an always-present field fails requireFields above, and one
// that renamed a field fails here.
func TestValuesMatchTheStructs(t *testing.T) {
	for _, tc := range []struct {
		v      any
		fields []string
	}{
		{consul.ServiceEntry{}, []string{"Node", "Service", "Checks"}},
		{consul.Node{}, []string{"ID", "Node", "Address", "Datacenter", "TaggedAddresses", "Meta"}},
		{consul.HealthCheck{}, []string{"CheckID", "Status", "ServiceID", "ServiceTags", "Definition"}},
	} {
		typ := reflect.TypeOf(tc.v)
		for _, f := range tc.fields {
			_, ok := typ.FieldByName(f)
			require.True(t, ok, "%s.%s", typ.Name(), f)
		}
	}
}
