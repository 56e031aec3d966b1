package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// Prefix is the path the map is served under.
const Prefix = "/ui/"

// contentSecurityPolicy lets the page load its own script and style and
// call its own origin's API, and nothing else: no other host, no inline
// script, no frame around it.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// file is one embedded file, ready to serve.
type file struct {
	name, contentType, etag string
	body                    []byte
}

// handler serves the embedded files under Prefix.
type handler struct {
	files map[string]file
}

// Handler returns the live map: GET or HEAD of /ui/ (or /ui/index.html)
// is the page, /ui/map.js and /ui/map.css its script and style; any
// other path under /ui/ is 404. It expects the full request path, as the
// API passes it.
func Handler() http.Handler {
	h := &handler{files: make(map[string]file)}
	types := map[string]string{
		".html": "text/html; charset=utf-8",
		".js":   "text/javascript; charset=utf-8",
		".css":  "text/css; charset=utf-8",
	}
	entries, err := fs.ReadDir(static, "static")
	if err != nil {
		panic("ui: the embedded files are missing: " + err.Error()) // a build defect
	}
	for _, e := range entries {
		body, err := fs.ReadFile(static, "static/"+e.Name())
		if err != nil {
			panic("ui: " + err.Error())
		}
		sum := sha256.Sum256(body)
		h.files[e.Name()] = file{
			name: e.Name(), contentType: types[path.Ext(e.Name())], body: body,
			etag: `"` + hex.EncodeToString(sum[:8]) + `"`,
		}
	}
	h.files[""] = h.files["index.html"]
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	f, found := h.files[name]
	if !ok || !found || f.contentType == "" {
		http.Error(w, "404 page not found: the map is at "+Prefix, http.StatusNotFound)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", f.contentType)
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	// Revalidate each time, so a new agent binary's page shows at once;
	// the ETag makes that a 304.
	hd.Set("Cache-Control", "no-cache")
	hd.Set("ETag", f.etag)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.body))
}
