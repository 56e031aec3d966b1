package ui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/node/ui"
)

func get(t *testing.T, h http.Handler, method, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.Host = "127.0.0.1:7947"
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHandlerServesThePage(t *testing.T) {
	h := ui.Handler()
	for _, tc := range []struct {
		path, contentType, contains string
	}{
		{"/ui/", "text/html; charset=utf-8", `<svg id="map"`},
		{"/ui/index.html", "text/html; charset=utf-8", `<span><b id="member-count">`},
		{"/ui/map.js", "text/javascript; charset=utf-8", "function project("},
		{"/ui/map.css", "text/css; charset=utf-8", "circle.member"},
	} {
		rec := get(t, h, "GET", tc.path)
		require.Equal(t, http.StatusOK, rec.Code, tc.path)
		require.Equal(t, tc.contentType, rec.Header().Get("Content-Type"), tc.path)
		require.Contains(t, rec.Body.String(), tc.contains, tc.path)
		csp := rec.Header().Get("Content-Security-Policy")
		require.Contains(t, csp, "default-src 'none'", tc.path)
		require.Contains(t, csp, "connect-src 'self'", tc.path)
		require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	}
	index := get(t, h, "GET", "/ui/")
	head := get(t, h, "HEAD", "/ui/")
	require.Equal(t, http.StatusOK, head.Code)
	require.Empty(t, head.Body.String())
	require.Equal(t, index.Header().Get("Content-Length"), head.Header().Get("Content-Length"))
	again := get(t, h, "GET", "/ui/", "If-None-Match", index.Header().Get("ETag"))
	require.Equal(t, http.StatusNotModified, again.Code, "revalidation by ETag")

	for _, path := range []string{"/ui/nope", "/ui/static/map.js", "/ui/../ui/map.js", "/map.js"} {
		require.Equal(t, http.StatusNotFound, get(t, h, "GET", path).Code, path)
	}
	post := get(t, h, "POST", "/ui/")
	require.Equal(t, http.StatusMethodNotAllowed, post.Code)
	require.Equal(t, "GET, HEAD", post.Header().Get("Allow"))
}

// TestNoExternalRequests checks the embedded files for anything that
// would make the browser reach another host: no absolute or
// protocol-relative URL anywhere, no CSS import or url(), and every API
// call to a path of this origin.
func TestNoExternalRequests(t *testing.T) {
	files := ui.Files()
	require.NotEmpty(t, files)
	external := regexp.MustCompile(`(?i)(https?:|wss?:|ftp:|data:|["'(=]\s*//)`)
	for name, body := range files {
		require.Nil(t, external.FindStringIndex(body), "%s: %q", name, external.FindString(body))
	}
	require.NotRegexp(t, `@import|url\(`, files["map.css"], "the style loads nothing")
	for _, m := range regexp.MustCompile(`(src|href)="([^"]*)"`).FindAllStringSubmatch(files["index.html"], -1) {
		require.Regexp(t, `^[a-z]+\.(js|css)$`, m[2], "index.html loads only its own files")
	}
	calls := regexp.MustCompile(`getJSON\(("[^"]*")`).FindAllStringSubmatch(files["map.js"], -1)
	require.NotEmpty(t, calls)
	for _, c := range calls {
		require.True(t, strings.HasPrefix(c[1], `"/v1/`), "an API call to this origin: %s", c[1])
	}
	require.NotContains(t, files["map.js"], "innerHTML", "names from the cluster are set as text, never as markup")
	require.NotContains(t, files["map.js"], "eval(")
}

func TestMountedByTheAPI(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := apitest.NewEnv(ctx, apitest.Config{}, services.Config{DataDir: t.TempDir()}, api.Config{UI: ui.Handler()})
	require.NoError(t, err)
	rec := get(t, env.Server, "GET", "/ui/")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	require.Equal(t, http.StatusForbidden, get(t, env.Server, "GET", "/ui/", "Origin", "http://evil.example").Code,
		"the API's rules apply to the map")
	redirect := get(t, env.Server, "GET", "/ui")
	require.Equal(t, http.StatusTemporaryRedirect, redirect.Code)
	require.Equal(t, "/ui/", redirect.Header().Get("Location"), "/ui goes to /ui/")
	cancel()
	require.NoError(t, <-env.Done)
}
