package api

import (
	"bytes"
	"encoding/json"
	"hash/maphash"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/services"
)

// agentView is what one answer is computed from: a state of the agent and
// a view of its services. Its index, the sum of their two counters, grows
// whenever either changes.
type agentView struct {
	st    *node.View
	svc   *services.View
	index uint64
	// dir is built on first use: the nearest query does without it.
	dir   *directory
	cache *directoryCache
}

func (s *Server) current() *agentView {
	st, svc := s.cfg.Backend.View(), s.cfg.Services.View()
	return &agentView{st: st, svc: svc, index: st.Index + svc.Version, cache: &s.dir}
}

// directory returns the directory of the view's catalog snapshot.
func (v *agentView) directory() *directory {
	if v.dir == nil {
		v.dir = v.cache.get(v.st)
	}
	return v.dir
}

// changed returns the channels closed when v is superseded.
func (s *Server) changed(v *agentView) (<-chan struct{}, <-chan struct{}) {
	return s.cfg.Backend.Changed(v.st.Index), s.cfg.Services.Changed(v.svc.Version)
}

// renderFunc computes an endpoint's answer from a view: a value to encode
// as JSON, or an error (an *Error for the client's mistakes).
type renderFunc func(r *http.Request, v *agentView) (any, error)

// blockingParams are a query's index and wait.
type blockingParams struct {
	index uint64
	wait  time.Duration
}

// parseBlocking reads index and wait as Consul does: wait is a Go
// duration, capped at MaxWait; without one a blocking query waits
// DefaultWait. Consul's jitter of up to wait/16 is added.
func (s *Server) parseBlocking(q url.Values) (blockingParams, error) {
	var p blockingParams
	if v := q.Get("index"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return p, badRequest("index", "%s is not an index (a non-negative integer)", quoteShort(v))
		}
		p.index = n
	}
	p.wait = s.cfg.DefaultWait
	if v := q.Get("wait"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return p, badRequest("wait", "%s is not a duration such as \"30s\" or \"5m\"", quoteShort(v))
		}
		p.wait = min(d, s.cfg.MaxWait)
	}
	if p.wait > 0 {
		p.wait += rand.N(p.wait/JitterFraction + 1)
	}
	return p, nil
}

// view serves a read endpoint, blocking when asked to: with index=N, the
// answer is recomputed whenever the agent's state or services change, and
// returned once it differs from the answer at index N, or when the wait
// runs out. Waiting costs a goroutine parked on channels, no CPU.
func (s *Server) view(render renderFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		bp, err := s.parseBlocking(q)
		if err != nil {
			writeError(w, err)
			return
		}
		key := queryKey(r.URL.Path, q)
		compute := func(v *agentView) (answer, error) {
			return s.memo.answer(key, v.index, func() ([]byte, error) {
				out, err := render(r, v)
				if err != nil {
					return nil, err
				}
				return json.Marshal(out)
			})
		}
		v := s.current()
		a, err := compute(v)
		if err != nil || bp.index == 0 || a.index > bp.index || bp.index > v.index {
			s.respond(w, r, a, err)
			return
		}
		select {
		case s.blocking <- struct{}{}:
			defer func() { <-s.blocking }()
		default:
			s.refuseBlocking(w, "index", "blocking queries")
			return
		}
		timer := time.NewTimer(bp.wait)
		defer timer.Stop()
		for {
			backend, local := s.changed(v)
			select {
			case <-backend:
			case <-local:
			case <-timer.C:
				s.respond(w, r, a, nil)
				return
			case <-r.Context().Done():
				return
			}
			v = s.current()
			if a, err = compute(v); err != nil || a.index > bp.index {
				s.respond(w, r, a, err)
				return
			}
		}
	}
}

// respond writes an answer with Consul's query headers.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, a answer, err error) {
	if err != nil {
		writeError(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Consul-Index", strconv.FormatUint(max(a.index, 1), 10))
	// There is no leader: every agent answers from its own catalog, which
	// it always has, so it reports a known leader and no staleness, as a
	// Consul client expects of a healthy cluster.
	h.Set("X-Consul-KnownLeader", "true")
	h.Set("X-Consul-LastContact", "0")
	body := a.body
	if _, pretty := r.URL.Query()["pretty"]; pretty {
		var buf bytes.Buffer
		if json.Indent(&buf, body, "", "    ") == nil {
			body = buf.Bytes()
		}
	}
	// The body is shared with other answers: write it as it is.
	_, _ = w.Write(body)
	_, _ = w.Write([]byte{'\n'})
}

// ignoredParams do not change an answer: the blocking parameters, the
// token, Consul's consistency and cache modes (every answer here is the
// agent's own view), and formatting.
var ignoredParams = []string{"index", "wait", "token", "stale", "consistent", "cached", "pretty"}

// queryKey names the answer a request asks for.
func queryKey(path string, q url.Values) string {
	var b strings.Builder
	b.WriteString(path)
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !slices.Contains(ignoredParams, k) && !yield(k) {
				return
			}
		}
	}) {
		for _, v := range q[k] {
			b.WriteString("\x00" + k + "=" + v)
		}
	}
	return b.String()
}

// answer is an encoded answer and its index: the view index at which it
// last changed.
type answer struct {
	body  []byte
	index uint64
}

// memo keeps the latest answer to each recent query, so that a blocking
// query knows whether the answer changed since the index its client
// holds, and so that the many waiters of one query compute it once per
// change.
type memo struct {
	mu       sync.Mutex
	max      int
	maxBytes int
	// bytes is the size of the kept answers.
	bytes   int
	tick    uint64
	entries map[string]*memoEntry
	seed    maphash.Seed
}

type memoEntry struct {
	mu        sync.Mutex
	computed  bool
	viewIndex uint64
	hash      uint64
	ans       answer
	// Guarded by memo.mu: when the entry was last used, and the size of
	// its answer as counted in memo.bytes.
	used uint64
	size int
}

func newMemo(maxEntries, maxBytes int, seed maphash.Seed) *memo {
	return &memo{max: maxEntries, maxBytes: maxBytes, entries: make(map[string]*memoEntry), seed: seed}
}

func (m *memo) entry(key string) *memoEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tick++
	e, ok := m.entries[key]
	if !ok {
		if len(m.entries) >= m.max {
			m.evictOldest()
		}
		e = &memoEntry{}
		m.entries[key] = e
	}
	e.used = m.tick
	return e
}

func (m *memo) evictOldest() {
	var oldest string
	var at uint64
	for k, e := range m.entries {
		if oldest == "" || e.used < at {
			oldest, at = k, e.used
		}
	}
	m.bytes -= m.entries[oldest].size
	delete(m.entries, oldest)
}

// resize records the new size of e's answer and evicts the least
// recently used answers, e's last, while the kept ones exceed maxBytes.
func (m *memo) resize(key string, e *memoEntry, size int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries[key] != e {
		return // evicted meanwhile: not counted
	}
	m.bytes += size - e.size
	e.size = size
	for m.bytes > m.maxBytes && len(m.entries) > 1 {
		m.evictOldest()
	}
}

// answer returns the answer to key at viewIndex, computing it unless an
// answer at that view or a later one is kept. The answer's index moves to
// viewIndex only when the encoded answer differs from the kept one.
func (m *memo) answer(key string, viewIndex uint64, compute func() ([]byte, error)) (answer, error) {
	e := m.entry(key)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.computed && viewIndex <= e.viewIndex {
		return e.ans, nil
	}
	body, err := compute()
	if err != nil {
		return answer{}, err
	}
	h := maphash.Bytes(m.seed, body)
	if !e.computed || h != e.hash {
		e.ans.index, e.hash = viewIndex, h
	}
	e.ans.body, e.viewIndex, e.computed = body, viewIndex, true
	m.resize(key, e, len(body))
	return e.ans, nil
}
