package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Error is the JSON body of every error answer:
//
//	{"Error": "wait: \"5 minutes\" is not a duration such as \"10s\"", "Field": "wait"}
//
// Field names the offending query parameter, path segment or body field,
// when there is one.
type Error struct {
	// Status is the HTTP status; it is not in the body.
	Status  int
	Field   string
	Message string
}

// errorJSON is the body of an error answer; Error is the whole sentence,
// field included.
type errorJSON struct {
	Error string
	Field string `json:",omitempty"`
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

func badRequest(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Field: field, Message: fmt.Sprintf(format, args...)}
}

func notFound(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Field: field, Message: fmt.Sprintf(format, args...)}
}

// asError turns any error into an *Error: a 500 unless it is one.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Message: err.Error()}
}

func writeError(w http.ResponseWriter, err error) {
	e := asError(err)
	body, _ := json.Marshal(errorJSON{Error: e.Error(), Field: e.Field})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	_, _ = w.Write(append(body, '\n'))
}
