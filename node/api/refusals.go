package api

import (
	"net/http"
	"strconv"
	"sync/atomic"
)

// Refusals counts the requests a [Server] refused at one of its bounds.
type Refusals struct {
	// BodyTooLarge counts the 413s: a body over MaxBodyBytes.
	BodyTooLarge uint64
	// TooManyBlocking counts the 429s: a blocking query or event stream
	// past MaxBlockingQueries.
	TooManyBlocking uint64
}

// refusalCounters are a Server's Refusals as they are counted.
type refusalCounters struct {
	bodyTooLarge, tooManyBlocking atomic.Uint64
}

// Refusals returns the server's counters of refused requests, for metrics.
func (s *Server) Refusals() Refusals {
	return Refusals{BodyTooLarge: s.refused.bodyTooLarge.Load(), TooManyBlocking: s.refused.tooManyBlocking.Load()}
}

// blockedRetryAfter is the Retry-After, in seconds, of a 429 for too many
// blocking queries. A slot frees only when a waiting query returns, after
// up to minutes, so a client retrying at once would only be refused again;
// 5 s spaces the retries without a watcher falling far behind.
const blockedRetryAfter = 5

// refuseBlocking answers a blocking query or stream that found every slot
// taken: 429 with a Retry-After, counted.
func (s *Server) refuseBlocking(w http.ResponseWriter, field, what string) {
	s.refused.tooManyBlocking.Add(1)
	w.Header().Set("Retry-After", strconv.Itoa(blockedRetryAfter))
	writeError(w, &Error{Status: http.StatusTooManyRequests, Field: field,
		Message: "too many " + what + " at once (" + strconv.Itoa(s.cfg.MaxBlockingQueries) + "); retry later"})
}
