package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/services"
)

// serviceEntry is the part of Consul's ServiceEntry the tests read.
type serviceEntry struct {
	Node    struct{ Node, Address, Datacenter string }
	Service struct {
		ID, Service string
		Port        int
		Tags        []string
	}
	Checks []struct{ CheckID, Status, ServiceID, Output string }
}

func nodes(entries []serviceEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Node.Node)
	}
	return out
}

func TestRegisterThenDiscover(t *testing.T) {
	e := newEnv(t, nil)
	code, _, body := e.do(t, "PUT", "/v1/agent/service/register",
		`{"ID":"web-1","Name":"web","Port":8080,"Tags":["v1"],"Check":{"CheckID":"web-ttl","TTL":"30s","Status":"passing"}}`)
	require.Equal(t, http.StatusOK, code, "%s", body)

	var svcs map[string]struct {
		ID, Service, Datacenter string
		Port                    int
	}
	e.get(t, "/v1/agent/services", &svcs)
	require.Equal(t, "web", svcs["web-1"].Service)
	require.Equal(t, "dc1", svcs["web-1"].Datacenter)

	var checks map[string]struct{ CheckID, Status, ServiceID, Type string }
	e.get(t, "/v1/agent/checks", &checks)
	require.Equal(t, "passing", checks["web-ttl"].Status)
	require.Equal(t, "ttl", checks["web-ttl"].Type)

	var entries []serviceEntry
	h := e.get(t, "/v1/health/service/web", &entries)
	require.Len(t, entries, 1)
	require.Equal(t, "self", entries[0].Node.Node)
	require.Equal(t, "127.0.0.1", entries[0].Node.Address)
	require.Equal(t, []string{"serfHealth", "web-ttl"}, []string{entries[0].Checks[0].CheckID, entries[0].Checks[1].CheckID})
	require.NotEmpty(t, h.Get("X-Consul-Index"))
	require.Equal(t, "true", h.Get("X-Consul-KnownLeader"))
	require.Equal(t, "0", h.Get("X-Consul-LastContact"))

	var catalogServices map[string][]string
	e.get(t, "/v1/catalog/services", &catalogServices)
	require.Equal(t, map[string][]string{"web": {"v1"}}, catalogServices)

	// A TTL update reaches the catalog's health.
	code, _, body = e.do(t, "PUT", "/v1/agent/check/fail/web-ttl?note=down", "")
	require.Equal(t, http.StatusOK, code, "%s", body)
	e.get(t, "/v1/health/service/web?passing", &entries)
	require.Empty(t, entries)
	code, _, body = e.do(t, "PUT", "/v1/agent/check/update/web-ttl", `{"Status":"passing","Output":"ok"}`)
	require.Equal(t, http.StatusOK, code, "%s", body)
	e.get(t, "/v1/health/service/web?passing=1", &entries)
	require.Len(t, entries, 1)

	code, _, _ = e.do(t, "PUT", "/v1/agent/service/deregister/web-1", "")
	require.Equal(t, http.StatusOK, code)
	e.get(t, "/v1/health/service/web", &entries)
	require.Empty(t, entries)
	code, _, body = e.do(t, "PUT", "/v1/agent/service/deregister/web-1", "")
	require.Equal(t, http.StatusNotFound, code)
	_, field := apiError(t, body)
	require.Equal(t, "id", field)
}

func TestBadInputNamesTheField(t *testing.T) {
	e := newEnv(t, nil)
	require.NoError(t, e.Backend.Apply(apitest.Record("a", "10.0.0.1:7946", "dc1", at(0, 0), web("web-1", catalog.Passing))))
	for _, tc := range []struct {
		method, path, body string
		code               int
		field              string
	}{
		{"PUT", "/v1/agent/service/register", `{"Name":"web","Port":"80"}`, 400, "Port"},
		{"PUT", "/v1/agent/service/register", `{"Name":"web","Check":{"HTTP":"http://x/","Interval":"1ms"}}`, 400, "Check.Interval"},
		{"PUT", "/v1/agent/service/register", `{"Name":"web","Nmae":"x"}`, 400, "Nmae"},
		{"PUT", "/v1/agent/service/register", `not json`, 400, ""},
		{"PUT", "/v1/agent/service/register?replace-existing-checks=perhaps", `{"Name":"web"}`, 400, "replace-existing-checks"},
		{"PUT", "/v1/agent/check/pass/nope", ``, 404, "CheckID"},
		{"PUT", "/v1/agent/check/update/nope", `{"Status":"fine"}`, 400, "Status"},
		{"PUT", "/v1/agent/check/update/nope", `{"Output":"x"}`, 400, "Status"},
		{"PUT", "/v1/agent/check/update/nope", `{"Status":"passing","Extra":1}`, 400, "body"},
		{"GET", "/v1/health/service/web?index=abc", ``, 400, "index"},
		{"GET", "/v1/health/service/web?index=1&wait=5minutes", ``, 400, "wait"},
		{"GET", "/v1/health/service/web?passing=perhaps", ``, 400, "passing"},
		{"GET", "/v1/health/service/web?near=nobody", ``, 400, "near"},
		{"GET", "/v1/health/service/web?filter=Service.Port==80", ``, 400, "filter"},
		{"GET", "/v1/health/service/web?ns=team", ``, 400, "ns"},
		{"GET", "/v1/health/service/web?tag=", ``, 400, "tag"},
		{"GET", "/v1/catalog/services?dc=" + strings.Repeat("d", 64), ``, 400, "dc"},
		{"GET", "/v1/nearest/web?n=0", ``, 400, "n"},
		{"GET", "/v1/nearest/web?n=x", ``, 400, "n"},
		{"GET", "/v1/rtt?to=nobody", ``, 404, "to"},
		{"GET", "/v1/rtt?from=nobody", ``, 404, "from"},
		{"GET", "/v1/watch/service/web?index=x", ``, 400, "index"},
		{"GET", "/v1/agent/service/register", ``, 405, ""},
		{"GET", "/v1/no/such/thing", ``, 404, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			code, h, body := e.do(t, tc.method, tc.path, tc.body)
			require.Equal(t, tc.code, code, "%s", body)
			require.Equal(t, "application/json", h.Get("Content-Type"))
			_, field := apiError(t, body)
			require.Equal(t, tc.field, field, "%s", body)
		})
	}
	var svcs map[string]any
	e.get(t, "/v1/agent/services", &svcs)
	require.Empty(t, svcs, "a rejected registration changes nothing")
}

func TestRefusedByTheCatalogChangesNothing(t *testing.T) {
	e := newEnv(t, nil)
	// A second service that claims the check ID of the first is refused
	// by the Manager, after the parser accepted it.
	code, _, _ := e.do(t, "PUT", "/v1/agent/service/register", `{"Name":"a","Check":{"CheckID":"c","TTL":"1m"}}`)
	require.Equal(t, http.StatusOK, code)
	before := e.Backend.View().Index
	code, _, body := e.do(t, "PUT", "/v1/agent/service/register", `{"Name":"b","Check":{"CheckID":"c","TTL":"1m"}}`)
	require.Equal(t, http.StatusBadRequest, code)
	_, field := apiError(t, body)
	require.Equal(t, "Checks[0].CheckID", field)
	require.Equal(t, before, e.Backend.View().Index)
}

func TestHostAndOriginAreChecked(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.AllowedHosts = []string{"agent.internal"} })
	for _, tc := range []struct {
		header []string
		code   int
	}{
		{[]string{"Host", "evil.example:7947"}, 403},
		{[]string{"Host", "127.0.0.1.evil.example"}, 403},
		{[]string{"Origin", "http://localhost:7947"}, 403},
		{[]string{"Host", "localhost:7947"}, 200},
		{[]string{"Host", "[::1]:7947"}, 200},
		{[]string{"Host", "127.1.2.3"}, 200},
		{[]string{"Host", "agent.internal:7947"}, 200},
	} {
		code, _, body := e.do(t, "GET", "/v1/agent/self", "", tc.header...)
		require.Equal(t, tc.code, code, "%v: %s", tc.header, body)
		if code == 403 {
			_, field := apiError(t, body)
			require.Equal(t, tc.header[0], field)
		}
	}
	code, _, _ := e.do(t, "GET", "/v1/no/such", "", "Host", "evil.example")
	require.Equal(t, 403, code, "even unknown paths check the Host")
}

func TestTokenIsRequiredForWrites(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.Token = "s3cret" })
	reg := `{"Name":"web"}`
	code, _, body := e.do(t, "PUT", "/v1/agent/service/register", reg)
	require.Equal(t, http.StatusForbidden, code)
	_, field := apiError(t, body)
	require.Equal(t, "token", field)
	code, _, _ = e.do(t, "PUT", "/v1/agent/service/register", reg, "X-Consul-Token", "wrong")
	require.Equal(t, http.StatusForbidden, code)
	code, _, _ = e.do(t, "PUT", "/v1/agent/service/register", reg, "X-Consul-Token", "s3cret")
	require.Equal(t, http.StatusOK, code)
	code, _, _ = e.do(t, "PUT", "/v1/agent/service/register?token=s3cret", reg)
	require.Equal(t, http.StatusOK, code)
	code, _, _ = e.do(t, "PUT", "/v1/agent/leave", "", "Authorization", "Bearer s3cret")
	require.Equal(t, http.StatusOK, code)
	code, _, _ = e.do(t, "GET", "/v1/agent/services", "")
	require.Equal(t, http.StatusOK, code, "reads need no token")
}

func TestBodyIsBounded(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.MaxBodyBytes = 100 })
	code, _, body := e.do(t, "PUT", "/v1/agent/service/register", `{"Name":"web","Meta":{"k":"`+strings.Repeat("v", 200)+`"}}`)
	require.Equal(t, http.StatusRequestEntityTooLarge, code)
	_, field := apiError(t, body)
	require.Equal(t, "body", field)
	require.Equal(t, api.Refusals{BodyTooLarge: 1}, e.Server.Refusals())
}

func TestHealthOfOtherMembers(t *testing.T) {
	e := newEnv(t, nil)
	require.NoError(t, e.Backend.Apply(
		apitest.Record("far", "10.0.0.3:7946", "dc1", at(0.3, 0), web("web-1", catalog.Passing, "v1")),
		apitest.Record("near", "10.0.0.1:7946", "dc1", at(0.1, 0), web("web-1", catalog.Passing, "v2")),
		apitest.Record("mid", "10.0.0.2:7946", "dc1", at(0.2, 0), web("web-1", catalog.Warning, "v1")),
		apitest.Record("sick", "10.0.0.4:7946", "dc1", at(0.05, 0), web("web-1", catalog.Critical)),
		apitest.Record("other-dc", "10.1.0.1:7946", "dc2", at(0, 0), web("web-1", catalog.Passing)),
	))
	var entries []serviceEntry
	e.get(t, "/v1/health/service/web", &entries)
	require.Equal(t, []string{"far", "mid", "near", "sick"}, nodes(entries), "by node name")
	e.get(t, "/v1/health/service/web?near=_agent", &entries)
	require.Equal(t, []string{"sick", "near", "mid", "far"}, nodes(entries), "nearest first")
	e.get(t, "/v1/health/service/web?passing&near=_agent", &entries)
	require.Equal(t, []string{"near", "far"}, nodes(entries), "passing only: no warning, no critical")
	e.get(t, "/v1/health/service/web?tag=v1", &entries)
	require.Equal(t, []string{"far", "mid"}, nodes(entries))
	e.get(t, "/v1/health/service/web?near=far", &entries)
	require.Equal(t, []string{"far", "mid", "near", "sick"}, nodes(entries), "nearest to node far")
	e.get(t, "/v1/health/service/web?dc=dc2", &entries)
	require.Equal(t, []string{"other-dc"}, nodes(entries))
	require.Equal(t, "dc2", entries[0].Node.Datacenter)

	// A dead member's instances turn critical at once.
	dead := apitest.Record("near", "10.0.0.1:7946", "dc1", nil)
	dead.Status, dead.OwnerIncarnation, dead.Version, dead.Datacenter = catalog.Dead, 0, 0, ""
	require.NoError(t, e.Backend.Apply(dead))
	e.get(t, "/v1/health/service/web?near=_agent", &entries)
	require.Equal(t, "near", entries[1].Node.Node)
	require.Equal(t, "critical", entries[1].Checks[0].Status)
	require.Equal(t, "critical", entries[1].Checks[1].Status)
	e.get(t, "/v1/health/service/web?passing", &entries)
	require.Equal(t, []string{"far"}, nodes(entries))
}

func TestNearestFailsOver(t *testing.T) {
	e := newEnv(t, nil)
	require.NoError(t, e.Backend.Apply(
		apitest.Record("a", "10.1.0.1:7946", "dc2", at(0.2, 0), web("web-1", catalog.Passing)),
		apitest.Record("b", "10.1.0.2:7946", "dc2", at(0.1, 0), web("web-1", catalog.Passing)),
		apitest.Record("c", "10.2.0.1:7946", "dc3", at(0.5, 0), web("web-1", catalog.Passing)),
		apitest.Record("d", "10.0.0.9:7946", "dc1", at(0.01, 0), web("web-1", catalog.Critical)),
	))
	var ans api.NearestAnswer
	e.get(t, "/v1/nearest/web?n=2", &ans)
	require.True(t, ans.FailedOver)
	require.Equal(t, "dc1", ans.RequestedDatacenter)
	require.Equal(t, "dc2", ans.Datacenter)
	require.Len(t, ans.Instances, 2)
	require.Equal(t, "b", ans.Instances[0].Node)
	require.InDelta(t, 0.1, ans.Instances[0].EstimatedRTTSeconds, 1e-9)
	require.Equal(t, "100ms", ans.Instances[0].EstimatedRTT)
	require.Equal(t, "a", ans.Instances[1].Node)

	e.get(t, "/v1/nearest/web?dc=dc3", &ans)
	require.False(t, ans.FailedOver)
	require.Equal(t, []string{"c"}, []string{ans.Instances[0].Node})
}

func TestRTT(t *testing.T) {
	e := newEnv(t, nil)
	require.NoError(t, e.Backend.Apply(
		apitest.Record("a", "10.0.0.1:7946", "dc1", at(0.03, 0.04)),
		apitest.Record("b", "10.0.0.2:7946", "dc1", nil),
	))
	var ans api.RTTAnswer
	e.get(t, "/v1/rtt?to=a", &ans)
	require.Equal(t, "self", ans.From)
	require.Len(t, ans.Estimates, 1)
	require.True(t, ans.Estimates[0].Known)
	require.InDelta(t, 0.05, ans.Estimates[0].EstimatedRTTSeconds, 1e-9)
	e.get(t, "/v1/rtt?from=b&to=a", &ans)
	require.False(t, ans.Estimates[0].Known, "b has no coordinate")
	e.get(t, "/v1/rtt", &ans)
	require.Len(t, ans.Estimates, 3, "to every member, self included")
	e.get(t, "/v1/rtt?to=self", &ans)
	require.Equal(t, api.RTTEstimate{To: "self", Datacenter: "dc1", Known: true, EstimatedRTT: "0s"}, ans.Estimates[0],
		"no distance to itself, whatever its coordinate's height")
}

func TestMembersAndCoordinates(t *testing.T) {
	e := newEnv(t, nil)
	left := apitest.Record("gone", "10.0.0.2:7946", "dc1", nil)
	left.Status, left.OwnerIncarnation, left.Version, left.Datacenter = catalog.Left, 0, 0, ""
	require.NoError(t, e.Backend.Apply(apitest.Record("a", "10.0.0.1:7000", "dc1", at(1, 2)), left))
	var members []struct {
		Name, Addr string
		Port       uint16
		Status     int
		Tags       map[string]string
	}
	e.get(t, "/v1/agent/members", &members)
	require.Len(t, members, 3)
	require.Equal(t, "a", members[0].Name)
	require.Equal(t, "10.0.0.1", members[0].Addr)
	require.Equal(t, uint16(7000), members[0].Port)
	require.Equal(t, 1, members[0].Status)
	require.Equal(t, "dc1", members[0].Tags["dc"])
	require.Equal(t, 3, members[1].Status, "left")

	var coords []struct {
		Node  string
		Coord struct{ Vec []float64 }
	}
	e.get(t, "/v1/coordinate/nodes", &coords)
	require.Equal(t, "a", coords[0].Node)
	require.Equal(t, []float64{1, 2}, coords[0].Coord.Vec)
	require.Len(t, coords, 2, "a and self; the member that left is gone")

	var leader string
	e.get(t, "/v1/status/leader", &leader)
	require.Equal(t, "127.0.0.1:7946", leader)
	var self map[string]map[string]any
	e.get(t, "/v1/agent/self", &self)
	require.Equal(t, "self", self["Config"]["NodeName"])
}

func TestJoinAndLeave(t *testing.T) {
	e := newEnv(t, nil)
	code, _, _ := e.do(t, "PUT", "/v1/agent/join/10.0.0.7:7946", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, []string{"10.0.0.7:7946"}, e.Backend.Joined())
	e.Backend.FailJoins(errJoin)
	code, _, body := e.do(t, "PUT", "/v1/agent/join/10.0.0.8:7946", "")
	require.Equal(t, http.StatusInternalServerError, code)
	msg, _ := apiError(t, body)
	require.Contains(t, msg, errJoin.Error())

	code, _, _ = e.do(t, "PUT", "/v1/agent/leave", "")
	require.Equal(t, http.StatusOK, code)
	rec, _ := e.Backend.View().Catalog.Get("self")
	require.Equal(t, catalog.Left, rec.Status)
}

var errJoin = &joinError{}

type joinError struct{}

func (*joinError) Error() string { return "no seed answered" }

func TestPretty(t *testing.T) {
	e := newEnv(t, nil)
	code, _, body := e.do(t, "GET", "/v1/catalog/nodes?pretty", "")
	require.Equal(t, 200, code)
	require.Contains(t, string(body), "\n    ")
	var v any
	require.NoError(t, json.Unmarshal(body, &v))
}

func TestRefusedByTheCatalogLimitsChangesNothing(t *testing.T) {
	e := newEnvWith(t, func(b *apitest.Config, _ *services.Config, _ *api.Config) { b.Catalog.MaxServicesPerMember = 1 })
	code, _, _ := e.do(t, "PUT", "/v1/agent/service/register", `{"Name":"a"}`)
	require.Equal(t, http.StatusOK, code)
	code, _, body := e.do(t, "PUT", "/v1/agent/service/register", `{"Name":"b"}`)
	require.Equal(t, http.StatusBadRequest, code)
	msg, _ := apiError(t, body)
	require.Contains(t, msg, "services exceed 1")
	var svcs map[string]any
	e.get(t, "/v1/agent/services", &svcs)
	require.Len(t, svcs, 1)
}

func TestMountPoints(t *testing.T) {
	mount := func(body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(body)) })
	}
	e := newEnv(t, func(c *api.Config) { c.Metrics, c.UI = mount("metrics"), mount("ui") })
	code, _, body := e.do(t, "GET", "/metrics", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "metrics", string(body))
	code, _, body = e.do(t, "GET", "/ui/index.html", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ui", string(body))
	code, _, _ = e.do(t, "GET", "/metrics", "", "Host", "evil.example")
	require.Equal(t, http.StatusForbidden, code, "the mounts keep the Host check")
}

func TestRegistrationPastTheAgentsLimitNamesTheField(t *testing.T) {
	e := newEnvWith(t, func(_ *apitest.Config, s *services.Config, _ *api.Config) { s.MaxServices = 1 })
	code, _, _ := e.do(t, "PUT", "/v1/agent/service/register", `{"Name":"a"}`)
	require.Equal(t, http.StatusOK, code)
	code, _, body := e.do(t, "PUT", "/v1/agent/service/register", `{"Name":"b"}`)
	require.Equal(t, http.StatusBadRequest, code)
	msg, field := apiError(t, body)
	require.Equal(t, "ID", field)
	require.Contains(t, msg, "MaxServices")
	var svcs map[string]any
	e.get(t, "/v1/agent/services", &svcs)
	require.Len(t, svcs, 1)
}
