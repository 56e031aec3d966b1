package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"hash/maphash"
	"net"
	"net/http"
	"strings"
	"time"
)

// Server is the HTTP API. It is an http.Handler; [Server.Serve] runs it
// on a listener.
type Server struct {
	cfg      Config
	mux      *http.ServeMux
	blocking chan struct{}
	memo     *memo
	dir      directoryCache
	seed     maphash.Seed
	refused  refusalCounters
}

// New returns a Server. It copies cfg and fills in the defaults.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:      cfg,
		mux:      http.NewServeMux(),
		blocking: make(chan struct{}, cfg.MaxBlockingQueries),
		seed:     maphash.MakeSeed(),
	}
	s.memo = newMemo(cfg.MaxCachedQueries, cfg.MaxCachedBytes, s.seed)
	s.routes()
	return s, nil
}

// route is one endpoint: its method, its ServeMux pattern, whether it
// writes, and its handler.
type route struct {
	method, pattern string
	handler         http.HandlerFunc
}

func (s *Server) routes() {
	routes := []route{
		{"PUT", "/v1/agent/service/register", s.registerService},
		{"PUT", "/v1/agent/service/deregister/{id}", s.deregisterService},
		{"PUT", "/v1/agent/check/pass/{id}", s.checkTTL("passing")},
		{"PUT", "/v1/agent/check/warn/{id}", s.checkTTL("warning")},
		{"PUT", "/v1/agent/check/fail/{id}", s.checkTTL("critical")},
		{"PUT", "/v1/agent/check/update/{id}", s.checkUpdate},
		{"PUT", "/v1/agent/join/{addr}", s.join},
		{"PUT", "/v1/agent/leave", s.leave},
		{"GET", "/v1/agent/self", s.view(s.agentSelf)},
		{"GET", "/v1/agent/members", s.view(s.agentMembers)},
		{"GET", "/v1/agent/services", s.view(s.agentServices)},
		{"GET", "/v1/agent/checks", s.view(s.agentChecks)},
		{"GET", "/v1/catalog/services", s.view(s.catalogServices)},
		{"GET", "/v1/catalog/service/{name}", s.view(s.catalogService)},
		{"GET", "/v1/catalog/nodes", s.view(s.catalogNodes)},
		{"GET", "/v1/catalog/datacenters", s.view(s.catalogDatacenters)},
		{"GET", "/v1/health/service/{name}", s.view(s.healthService)},
		{"GET", "/v1/coordinate/nodes", s.view(s.coordinateNodes)},
		{"GET", "/v1/coordinate/datacenters", s.view(s.coordinateDatacenters)},
		{"GET", "/v1/status/leader", s.view(s.statusLeader)},
		{"GET", "/v1/status/peers", s.view(s.statusPeers)},
		{"GET", "/v1/nearest/{service}", s.view(s.nearest)},
		{"GET", "/v1/rtt", s.view(s.rtt)},
		{"GET", "/v1/watch/service/{name}", s.watchService},
	}
	for _, rt := range routes {
		s.mux.Handle(rt.pattern, s.guard(rt))
	}
	if s.cfg.Metrics != nil {
		s.mux.Handle("/metrics", s.guard(route{"GET", "/metrics", s.cfg.Metrics.ServeHTTP}))
	}
	if s.cfg.UI != nil {
		s.mux.Handle("/ui/", s.guard(route{"GET", "/ui/", s.cfg.UI.ServeHTTP}))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkOrigin(r); err != nil {
			writeError(w, err)
			return
		}
		writeError(w, notFound("", "no endpoint %s %s", r.Method, r.URL.Path))
	})
}

// guard applies the rules every endpoint follows, then calls the handler:
// a loopback Host and no Origin, the method, the ACL token for writes,
// and the bound on the body.
func (s *Server) guard(rt route) http.Handler {
	write := rt.method != http.MethodGet
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkOrigin(r); err != nil {
			writeError(w, err)
			return
		}
		if r.Method != rt.method && !(rt.method == http.MethodGet && r.Method == http.MethodHead) {
			w.Header().Set("Allow", rt.method)
			writeError(w, &Error{Status: http.StatusMethodNotAllowed, Message: "method " + r.Method + " not allowed; use " + rt.method})
			return
		}
		if write && !s.authorized(r) {
			writeError(w, &Error{Status: http.StatusForbidden, Field: "token", Message: "Permission denied: this agent requires an ACL token for writes (X-Consul-Token)"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		rt.handler(w, r)
	})
}

// checkOrigin refuses what a browser tricked into calling the API would
// send: a Host that is not this loopback API (DNS rebinding), or any
// Origin (a cross-site request).
func (s *Server) checkOrigin(r *http.Request) error {
	if r.Header.Get("Origin") != "" {
		return &Error{Status: http.StatusForbidden, Field: "Origin", Message: "cross-origin requests are refused"}
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if isLoopbackHost(host) {
		return nil
	}
	for _, allowed := range s.cfg.AllowedHosts {
		if strings.EqualFold(host, allowed) {
			return nil
		}
	}
	return &Error{Status: http.StatusForbidden, Field: "Host", Message: "Host " + quoteShort(r.Host) + " is not a loopback address; refused against DNS rebinding"}
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// authorized reports whether a write carries the configured token.
func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.Token == "" {
		return true
	}
	token := r.Header.Get("X-Consul-Token")
	if token == "" {
		token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	if token == "" {
		token = r.URL.Query().Get("token")
	}
	return subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.Token)) == 1
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Serve serves the API on ln until ctx is done, then shuts down: it stops
// accepting, ends the blocking queries and event streams, and waits up to
// 5 s for the requests under way.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdown)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) {
		return e
	}
	return err
}

func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return `"` + s + `"`
}

// Blocked returns the number of blocking queries and event streams
// waiting now, for metrics.
func (s *Server) Blocked() int { return len(s.blocking) }
