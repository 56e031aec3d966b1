package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// GET /v1/watch/service/:name?dc=&tag=&passing&near= streams the answer
// of /v1/health/service/:name as server-sent events: one "service" event
// at once and one each time the answer changes, its id the answer's
// index. A client that reconnects with Last-Event-ID (or index=) gets no
// event until the answer differs from that one. A comment every
// KeepAlive keeps the stream open through proxies and finds gone
// clients. An error after the stream started ends it with an "error"
// event carrying the JSON error.
func (s *Server) watchService(w http.ResponseWriter, r *http.Request) {
	name, err := serviceName(r)
	if err != nil {
		writeError(w, err)
		return
	}
	q := r.URL.Query()
	last, err := lastEventID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	render := func(v *agentView) (answer, error) {
		p, err := parseRead(q, v)
		if err != nil {
			return answer{}, err
		}
		return s.memo.answer(queryKey(r.URL.Path, q), v.index, func() ([]byte, error) {
			return json.Marshal(healthEntries(v, name, p))
		})
	}
	v := s.current()
	a, err := render(v)
	if err != nil {
		writeError(w, err)
		return
	}
	flusher, canFlush := w.(http.Flusher)
	if !canFlush {
		writeError(w, &Error{Status: http.StatusInternalServerError, Message: "streaming is not supported by this connection"})
		return
	}
	select {
	case s.blocking <- struct{}{}:
		defer func() { <-s.blocking }()
	default:
		s.refuseBlocking(w, "", "blocking queries and streams")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	keepAlive := time.NewTicker(s.cfg.KeepAlive)
	defer keepAlive.Stop()
	for {
		if a.index != last {
			if _, err := fmt.Fprintf(w, "id: %d\nevent: service\ndata: %s\n\n", a.index, a.body); err != nil {
				return
			}
			flusher.Flush()
			last = a.index
		}
		backend, local := s.changed(v)
		select {
		case <-backend:
		case <-local:
		case <-keepAlive.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			flusher.Flush()
			continue
		case <-r.Context().Done():
			return
		}
		v = s.current()
		if a, err = render(v); err != nil {
			body, _ := json.Marshal(errorJSON{Error: asError(err).Error(), Field: asError(err).Field})
			_, _ = fmt.Fprintf(w, "event: error\ndata: %s\n\n", body)
			flusher.Flush()
			return
		}
	}
}

// lastEventID reads the index a reconnecting client holds: the
// Last-Event-ID header, or the index parameter.
func lastEventID(r *http.Request) (uint64, error) {
	field, s := "Last-Event-ID", r.Header.Get("Last-Event-ID")
	if s == "" {
		field, s = "index", r.URL.Query().Get("index")
	}
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, badRequest(field, "%s is not an index", quoteShort(s))
	}
	return n, nil
}
