package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/overlay"
)

// localService is a registered instance as the catalog holds it.
func localService(st *services.ServiceStatus) catalog.Service {
	return catalog.Service{
		ID: st.ID, Name: st.Name, Address: st.Address, Port: uint16(st.Port), Tags: st.Tags, Meta: st.Meta, Health: st.Health,
	}
}

// readBody reads a request body within MaxBodyBytes; a 413 is counted.
func (s *Server) readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.refused.bodyTooLarge.Add(1)
		return nil, &Error{Status: http.StatusRequestEntityTooLarge, Field: "body", Message: "the body exceeds " + itoa(tooBig.Limit) + " bytes"}
	}
	if err != nil {
		return nil, badRequest("body", "reading the body: %v", err)
	}
	return body, nil
}

// writeErrorFor maps the errors of a write: a refused definition or
// record is the client's mistake, the rest the agent's; a data directory
// that refused the change is a 507.
func writeErrorFor(w http.ResponseWriter, err error) {
	var fe *services.FieldError
	switch {
	case errors.As(err, &fe):
		writeError(w, badRequest(fe.Field, "%s", fe.Reason))
	case errors.Is(err, catalog.ErrInvalidRecord), errors.Is(err, catalog.ErrFull):
		writeError(w, badRequest("", "%v", err))
	case errors.Is(err, services.ErrUnknownCheck):
		writeError(w, notFound("CheckID", "%v", err))
	case errors.Is(err, services.ErrNotTTL):
		writeError(w, badRequest("CheckID", "%v", err))
	case errors.Is(err, services.ErrNotSaved):
		writeError(w, &Error{Status: http.StatusInsufficientStorage, Message: err.Error() + "; nothing was changed"})
	default:
		writeError(w, err)
	}
}

func ok(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
}

// PUT /v1/agent/service/register: the body is a service definition in
// Consul's shape (see services.Parse). Re-registering an ID replaces the
// instance and its checks, which is Consul's replace-existing-checks.
func (s *Server) registerService(w http.ResponseWriter, r *http.Request) {
	if _, err := flag(r.URL.Query(), "replace-existing-checks"); err != nil {
		writeError(w, err)
		return
	}
	body, err := s.readBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	def, err := services.Parse(body)
	if err == nil {
		err = s.cfg.Services.Register(r.Context(), def)
	}
	if err != nil {
		writeErrorFor(w, err)
		return
	}
	ok(w)
}

// PUT /v1/agent/service/deregister/:id
func (s *Server) deregisterService(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	found, err := s.cfg.Services.Deregister(r.Context(), id)
	switch {
	case err != nil:
		writeErrorFor(w, err)
	case !found:
		writeError(w, notFound("id", "unknown service ID %s", quoteShort(id)))
	default:
		ok(w)
	}
}

// PUT /v1/agent/check/pass|warn|fail/:id?note=
func (s *Server) checkTTL(status string) http.HandlerFunc {
	h, _ := services.ParseHealth(status)
	return func(w http.ResponseWriter, r *http.Request) {
		note := r.URL.Query().Get("note")
		if len(note) > services.MaxOutputBytes {
			writeError(w, badRequest("note", "%d bytes exceed %d", len(note), services.MaxOutputBytes))
			return
		}
		if err := s.cfg.Services.UpdateCheck(r.Context(), r.PathValue("id"), h, note); err != nil {
			writeErrorFor(w, err)
			return
		}
		ok(w)
	}
}

// checkUpdateJSON is the body of PUT /v1/agent/check/update/:id.
type checkUpdateJSON struct {
	Status *string
	Output string
}

// PUT /v1/agent/check/update/:id with {"Status": "passing", "Output": "…"}
func (s *Server) checkUpdate(w http.ResponseWriter, r *http.Request) {
	body, err := s.readBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var u checkUpdateJSON
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&u); err != nil {
		writeError(w, badRequest("body", "want {\"Status\": \"passing|warning|critical\", \"Output\": \"…\"}: %v", err))
		return
	}
	if u.Status == nil {
		writeError(w, badRequest("Status", "required"))
		return
	}
	h, valid := services.ParseHealth(*u.Status)
	if !valid {
		writeError(w, badRequest("Status", "%s is not passing, warning or critical", quoteShort(*u.Status)))
		return
	}
	if len(u.Output) > services.MaxOutputBytes {
		writeError(w, badRequest("Output", "%d bytes exceed %d", len(u.Output), services.MaxOutputBytes))
		return
	}
	if err := s.cfg.Services.UpdateCheck(r.Context(), r.PathValue("id"), h, u.Output); err != nil {
		writeErrorFor(w, err)
		return
	}
	ok(w)
}

// PUT /v1/agent/join/:addr
func (s *Server) join(w http.ResponseWriter, r *http.Request) {
	addr := r.PathValue("addr")
	if addr == "" || len(addr) > overlay.MaxAddrLen || strings.ContainsAny(addr, " \t\r\n") {
		writeError(w, badRequest("addr", "want an address host:port of at most %d bytes", overlay.MaxAddrLen))
		return
	}
	if _, err := flag(r.URL.Query(), "wan"); err != nil {
		writeError(w, err)
		return
	}
	if _, err := s.cfg.Backend.Join(r.Context(), []string{addr}); err != nil {
		writeError(w, &Error{Status: http.StatusInternalServerError, Field: "addr", Message: "joining " + quoteShort(addr) + ": " + err.Error()})
		return
	}
	ok(w)
}

// PUT /v1/agent/leave
func (s *Server) leave(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Backend.Leave(r.Context()); err != nil {
		writeError(w, err)
		return
	}
	ok(w)
}
