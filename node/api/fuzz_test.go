package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/clock"
	"github.com/overlayd/overlayd/node/services"
)

// fuzzServer is a server over a small catalog, for the fuzz targets; the
// blocking wait is short so that a fuzzed index cannot stall a run.
func fuzzServer(f *testing.F) *api.Server {
	ctx, cancel := context.WithCancel(context.Background())
	f.Cleanup(cancel)
	env, err := apitest.NewEnv(ctx, apitest.Config{Catalog: catalog.Config{Dimensionality: testDim}},
		services.Config{Clock: clock.NewFake(time.Unix(0, 0))},
		api.Config{MaxWait: 10 * time.Millisecond, DefaultWait: 10 * time.Millisecond})
	require.NoError(f, err)
	require.NoError(f, env.Backend.Apply(
		apitest.Record("a", "10.0.0.1:7946", "dc1", at(0.1, 0), web("web-1", catalog.Passing, "v1")),
		apitest.Record("b", "10.1.0.1:7946", "dc2", at(0.2, 0), web("web-1", catalog.Warning)),
	))
	return env.Server
}

// serve sends one request to s and checks the rules every answer keeps:
// no 5xx for client input, and a JSON error on a 4xx.
func serve(t *testing.T, s http.Handler, method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/", strings.NewReader(body))
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil
	}
	req.URL, req.RequestURI, req.Host = u, target, "127.0.0.1:7947"
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code >= 400 {
		require.Less(t, rec.Code, 500, "%s %s: %s", method, target, rec.Body)
		var e struct{ Error, Field string }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), "%s", rec.Body)
		require.NotEmpty(t, e.Error)
	} else if rec.Code < 300 && rec.Body.Len() > 0 && !strings.HasPrefix(target, "/v1/watch/") {
		// (A 3xx is ServeMux canonicalising the path, as for "/v1/nearest/".)
		require.True(t, json.Valid(rec.Body.Bytes()), "%s", rec.Body)
	}
	return rec
}

var readPaths = []string{
	"/v1/health/service/", "/v1/catalog/service/", "/v1/nearest/", "/v1/catalog/services", "/v1/catalog/nodes",
	"/v1/coordinate/nodes", "/v1/coordinate/datacenters", "/v1/agent/members", "/v1/agent/self", "/v1/rtt",
	"/v1/agent/services", "/v1/agent/checks", "/v1/status/leader", "/v1/catalog/datacenters",
}

// FuzzReadQuery sends a fuzzed service name and query string to each read
// endpoint: every answer is a 2xx with JSON or a 4xx with a JSON error.
func FuzzReadQuery(f *testing.F) {
	s := fuzzServer(f)
	f.Add(uint8(0), "web", "passing&near=_agent&tag=v1")
	f.Add(uint8(2), "web", "n=3&dc=dc2&tag=v1")
	f.Add(uint8(0), "web", "index=1&wait=1ms")
	f.Add(uint8(9), "", "from=a&to=b")
	f.Add(uint8(1), "x%00y", "near=a&dc=dc2&filter=x&ns=default")
	f.Fuzz(func(t *testing.T, which uint8, name, query string) {
		path := readPaths[int(which)%len(readPaths)]
		if strings.HasSuffix(path, "/") {
			path += url.PathEscape(name)
		}
		serve(t, s, "GET", path+"?"+query, "")
	})
}

// FuzzRegisterBody sends fuzzed bodies to the write endpoints that take
// one: refused bodies get a 4xx naming the field, accepted ones a 200.
func FuzzRegisterBody(f *testing.F) {
	s := fuzzServer(f)
	f.Add(false, `{"Name":"web","Port":80,"Check":{"TTL":"10s"}}`)
	f.Add(false, `{"Name":"web","Checks":[{"HTTP":"http://127.0.0.1:1/","Interval":"10s"}]}`)
	f.Add(true, `{"Status":"passing","Output":"ok"}`)
	f.Add(true, `{"Status":"bad"}`)
	f.Fuzz(func(t *testing.T, update bool, body string) {
		target := "/v1/agent/service/register"
		if update {
			target = "/v1/agent/check/update/service:web"
		}
		rec := serve(t, s, "PUT", target, body)
		if !update && rec.Code == http.StatusOK {
			_, err := services.Parse([]byte(body))
			require.NoError(t, err, "accepted only what the parser accepts")
		}
	})
}

// FuzzPathSegments sends fuzzed IDs and addresses in the paths of the
// write endpoints.
func FuzzPathSegments(f *testing.F) {
	s := fuzzServer(f)
	for _, seed := range []string{"web", "10.0.0.1:7946", "[::1]:1", "a b", "%2F", ""} {
		f.Add(uint8(0), seed)
	}
	prefixes := []string{"/v1/agent/service/deregister/", "/v1/agent/check/pass/", "/v1/agent/check/fail/", "/v1/agent/join/", "/v1/watch/service/"}
	f.Fuzz(func(t *testing.T, which uint8, segment string) {
		prefix := prefixes[int(which)%len(prefixes)]
		method := "PUT"
		if strings.HasPrefix(prefix, "/v1/watch/") {
			method = "GET"
			segment += "?index=1" // returns once an answer differs, at once here
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, method, "/", nil)
		u, err := url.ParseRequestURI(prefix + url.PathEscape(segment))
		if err != nil {
			return
		}
		req.URL, req.Host = u, "127.0.0.1"
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		require.Less(t, rec.Code, 500, "%s: %s", u, rec.Body)
	})
}

// FuzzWriteQuery sends a fuzzed query string to the write endpoints that
// read one (replace-existing-checks, note, wan), with a valid body; the
// test backend's join only records the address.
func FuzzWriteQuery(f *testing.F) {
	s := fuzzServer(f)
	f.Add(uint8(0), "replace-existing-checks=true")
	f.Add(uint8(1), "note=all+good")
	f.Add(uint8(2), "wan=1")
	f.Add(uint8(0), "replace-existing-checks=maybe&token=x")
	targets := []string{"/v1/agent/service/register", "/v1/agent/check/pass/service:web", "/v1/agent/join/127.0.0.1:1"}
	f.Fuzz(func(t *testing.T, which uint8, query string) {
		i := int(which) % len(targets)
		body := ""
		if i == 0 {
			body = `{"Name":"web","Check":{"TTL":"10s"}}`
		}
		serve(t, s, "PUT", targets[i]+"?"+query, body)
	})
}
