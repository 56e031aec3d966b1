package services_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/services"
)

func TestParseConsulBody(t *testing.T) {
	// What github.com/hashicorp/consul/api sends for an
	// AgentServiceRegistration with one HTTP check: Check and Checks are
	// always present, null when unused.
	d := mustParse(t, `{"ID":"web-1","Name":"web","Tags":["v1","blue"],"Port":8080,"Address":"10.0.0.5",
		"Meta":{"version":"1.2"},"Weights":{"Passing":1,"Warning":1},
		"Check":{"HTTP":"http://10.0.0.5:8080/health","Interval":"10s","Timeout":"2s","DeregisterCriticalServiceAfter":"90m"},
		"Checks":null}`)
	require.Equal(t, services.Definition{
		ID: "web-1", Name: "web", Address: "10.0.0.5", Port: 8080, Tags: []string{"v1", "blue"},
		Meta: map[string]string{"version": "1.2"},
		Checks: []services.CheckDefinition{{
			ID: "service:web-1", Name: "Service 'web' check", Kind: services.HTTP,
			HTTP: "http://10.0.0.5:8080/health", Method: "GET",
			Interval: 10 * time.Second, Timeout: 2 * time.Second, DeregisterCriticalServiceAfter: 90 * time.Minute,
			Status: catalog.Critical,
		}},
	}, d)
}

func TestParseDefaultsAndSpellings(t *testing.T) {
	// services.Config-file spelling: snake_case, lower case, "id" for a check ID;
	// Check comes before Checks, and the IDs are numbered from 1.
	d := mustParse(t, `{"name":"api","check":{"ttl":"30s","status":"passing"},
		"checks":[{"tcp":"localhost:9000","interval":1000000000},{"id":"mine","http":"https://x/","interval":"5s","tls_skip_verify":true}]}`)
	require.Equal(t, "api", d.ID)
	require.Len(t, d.Checks, 3)
	require.Equal(t, "service:api:1", d.Checks[0].ID)
	require.Equal(t, services.TTL, d.Checks[0].Kind)
	require.Equal(t, catalog.Passing, d.Checks[0].Status)
	require.Equal(t, "service:api:2", d.Checks[1].ID)
	require.Equal(t, services.TCP, d.Checks[1].Kind)
	require.Equal(t, time.Second, d.Checks[1].Interval)
	require.Equal(t, services.DefaultTimeout, d.Checks[1].Timeout)
	require.Equal(t, "mine", d.Checks[2].ID)
	require.True(t, d.Checks[2].TLSSkipVerify)
}

func TestParseRefusesNamingTheField(t *testing.T) {
	for _, tc := range []struct{ body, field string }{
		{`{"Port":80}`, "Name"},
		{`{"Name":"web.example"}`, "Name"},
		{`{"Name":"web","Port":70000}`, "Port"},
		{`{"Name":"web","Port":"80"}`, "Port"},
		{`{"Name":"web","Colour":"blue"}`, "Colour"},
		{`{"Name":"web","name":"api"}`, "name"},
		{`{"Name":"web","Tags":["a",""]}`, "Tags[1]"},
		{`{"Name":"web","Tags":"a"}`, "Tags"},
		{`{"Name":"web","Meta":{"consul-x":"1"}}`, "Meta.consul-x"},
		{`{"Name":"web","Meta":{"a b":"1"}}`, "Meta.a b"},
		{`{"Name":"web","ID":"a/b"}`, "ID"},
		{`{"Name":"web","Connect":{"Native":true}}`, "Connect"},
		{`{"Name":"web","Kind":"connect-proxy"}`, "Kind"},
		{`{"Name":"web","Weights":{"Passing":10,"Warning":1}}`, "Weights.Passing"},
		{`{"Name":"web","Check":{"Interval":"10s"}}`, "Check"},
		{`{"Name":"web","Check":{"HTTP":"http://x/","TCP":"x:1","Interval":"10s"}}`, "Check"},
		{`{"Name":"web","Check":{"HTTP":"http://x/"}}`, "Check.Interval"},
		{`{"Name":"web","Check":{"HTTP":"ftp://x/","Interval":"10s"}}`, "Check.HTTP"},
		{`{"Name":"web","Check":{"HTTP":"http://x/","Interval":"100ms"}}`, "Check.Interval"},
		{`{"Name":"web","Check":{"HTTP":"http://x/","Interval":"ten"}}`, "Check.Interval"},
		{`{"Name":"web","Check":{"HTTP":"http://x/","Interval":"10s","Method":"GE T"}}`, "Check.Method"},
		{`{"Name":"web","Check":{"TCP":"x","Interval":"10s"}}`, "Check.TCP"},
		{`{"Name":"web","Check":{"TCP":"x:1","Interval":"10s","Body":"b"}}`, "Check.Body"},
		{`{"Name":"web","Check":{"TTL":"10s","Interval":"10s"}}`, "Check.Interval"},
		{`{"Name":"web","Check":{"TTL":"10s","Status":"ok"}}`, "Check.Status"},
		{`{"Name":"web","Check":{"TTL":"10s","DeregisterCriticalServiceAfter":"10s"}}`, "Check.DeregisterCriticalServiceAfter"},
		{`{"Name":"web","Check":{"TTL":"10s","ScriptArgs":["/bin/true"]}}`, "Check.ScriptArgs"},
		{`{"Name":"web","Checks":[{"TTL":"1s"},{"TTL":"1s","CheckID":"service:web:1"}]}`, "Checks[1].CheckID"},
		{`{"Name":"web","Checks":[{"TTL":"1s"},{"TTL":"-1s"}]}`, "Checks[1].TTL"},
		{`{"Name":"web"`, ""},
		{`{"Name":"web"} {}`, ""},
		{`[]`, ""},
	} {
		t.Run(tc.body, func(t *testing.T) {
			_, err := services.Parse([]byte(tc.body))
			var fe *services.FieldError
			require.ErrorAs(t, err, &fe)
			require.ErrorIs(t, err, services.ErrInvalidDefinition)
			require.Equal(t, tc.field, fe.Field, "%v", err)
		})
	}
}

func TestParseFileShapes(t *testing.T) {
	for _, body := range []string{
		`{"Name":"a"}`,
		`{"service":{"name":"a"}}`,
		`{"Services":[{"Name":"a"},{"Name":"b"}]}`,
		`[{"Name":"a"},{"Name":"b"}]`,
	} {
		defs, err := services.ParseFile([]byte(body))
		require.NoError(t, err, body)
		require.Equal(t, "a", defs[0].ID, body)
	}
	_, err := services.ParseFile([]byte(`{"Services":[{"Name":"a"},{"Name":"a"}]}`))
	var fe *services.FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "Services[1].ID", fe.Field)
}

func TestMarshalRoundTrip(t *testing.T) {
	d := mustParse(t, `{"ID":"w","Name":"web","Port":1,"Tags":["x"],"Meta":{"k":"v"},"EnableTagOverride":true,
		"Checks":[{"HTTP":"http://h/","Method":"POST","Header":{"X-A":["1","2"]},"Body":"b","Interval":"3s","Timeout":"1s",
		"DeregisterCriticalServiceAfter":"2m","Notes":"n","Status":"warning"},{"TTL":"1m"},{"TCP":"h:2","Interval":"1s"}]}`)
	b, err := json.Marshal(d)
	require.NoError(t, err)
	again, err := services.Parse(b)
	require.NoError(t, err)
	require.Equal(t, d, again)
}

func TestFieldErrorMessage(t *testing.T) {
	_, err := services.Parse([]byte(`{"Name":"web","Port":-1}`))
	require.EqualError(t, err, "invalid service definition: Port: -1 is not an integer in 0..65535")
	require.True(t, errors.Is(err, services.ErrInvalidDefinition))
}

func TestParseListNamesTheSection(t *testing.T) {
	_, err := services.ParseList([]byte(`[{"Name":"a"},{"Name":"b","Check":{"TTL":"x"}}]`), "services")
	var fe *services.FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "services[1].Check.TTL", fe.Field)
	_, err = services.ParseList([]byte(`{"Name":"a"}`), "services")
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "services", fe.Field)
}
