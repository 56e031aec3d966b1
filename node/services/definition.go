package services

import (
	"errors"
	"fmt"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
)

// ErrInvalidDefinition reports a service definition that [Parse] or
// [Manager.Register] refused. The error is a [*FieldError] that names the
// field.
var ErrInvalidDefinition = errors.New("invalid service definition")

// FieldError is a refused definition: Field is the path of the offending
// field in Consul's JSON shape ("Checks[1].Interval", "Meta.rack"), empty
// for the document as a whole.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%v: %s", ErrInvalidDefinition, e.Reason)
	}
	return fmt.Sprintf("%v: %s: %s", ErrInvalidDefinition, e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidDefinition) hold.
func (e *FieldError) Unwrap() error { return ErrInvalidDefinition }

func fieldErrorf(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Definition is one service instance of this agent, as registered. A
// Definition returned by [Parse] is valid and complete: ID defaults to
// Name, every check has its ID, name, timeout and initial status.
type Definition struct {
	// ID names the instance on this agent; it defaults to Name.
	ID   string
	Name string
	// Address is where the instance listens; empty means this agent's
	// host.
	Address string
	Port    int
	Tags    []string
	Meta    map[string]string
	// EnableTagOverride is kept and reported for Consul's clients; it has
	// no effect, as nothing but this agent writes its services.
	EnableTagOverride bool
	Checks            []CheckDefinition
}

// CheckKind is how a check decides the health of its instance.
type CheckKind uint8

// The kinds of check.
const (
	// HTTP requests a URL: a 2xx is passing, a 429 warning, anything else
	// or no answer within the timeout critical.
	HTTP CheckKind = iota + 1
	// TCP connects to an address: connected within the timeout is
	// passing, anything else critical.
	TCP
	// TTL waits for the service to report its own status; a TTL without
	// a report makes it critical.
	TTL
)

// String returns Consul's name of the check type: "http", "tcp", "ttl".
func (k CheckKind) String() string {
	switch k {
	case HTTP:
		return "http"
	case TCP:
		return "tcp"
	case TTL:
		return "ttl"
	}
	return fmt.Sprintf("CheckKind(%d)", uint8(k))
}

// CheckDefinition is one health check of an instance.
type CheckDefinition struct {
	// ID names the check on this agent, unique across all its services.
	// It defaults to "service:<service ID>", with ":<n>" appended, n from
	// 1, when the service has more than one check (as in Consul).
	ID    string
	Name  string
	Notes string
	Kind  CheckKind

	// HTTP is the URL an HTTP check requests, with Method (default GET),
	// Header and Body; TLSServerName and TLSSkipVerify apply to https.
	HTTP          string
	Method        string
	Header        map[string][]string
	Body          string
	TLSServerName string
	TLSSkipVerify bool
	// TCP is the host:port a TCP check connects to.
	TCP string

	// Interval spaces the runs of an HTTP or TCP check; Timeout bounds
	// one run (default 10 s). TTL is how long a TTL check's report holds.
	Interval time.Duration
	Timeout  time.Duration
	TTL      time.Duration
	// DeregisterCriticalServiceAfter, if positive, deregisters the
	// instance once this check has been critical for that long.
	DeregisterCriticalServiceAfter time.Duration
	// Status is the check's health until its first result (default
	// critical, as in Consul).
	Status catalog.Health
}

// Limits of a definition, beyond those of the catalog's records
// (catalog.MaxServiceNameLen and the like). The minimums are Consul's:
// MinInterval its check interval floor, MinDeregisterAfter its
// check_deregister_interval_min; Consul raises a smaller value to them,
// this parser refuses it, so that what runs is what was written.
const (
	MinInterval          = time.Second
	MinDeregisterAfter   = time.Minute
	DefaultTimeout       = 10 * time.Second
	MaxChecksPerService  = 32
	MaxCheckIDLen        = 128
	MaxCheckNameLen      = 256
	MaxNotesLen          = 1024
	MaxHTTPBodyLen       = 4096
	MaxHeaderPairs       = 64
	MaxURLLen            = 2048
	MaxCheckDurationSpan = 24 * time.Hour
)

// aggregate returns the worst of the given check statuses: passing
// without checks.
func aggregate(statuses []catalog.Health) catalog.Health {
	worst := catalog.Passing
	for _, s := range statuses {
		worst = max(worst, s)
	}
	return worst
}

// ParseHealth reads a status as Consul writes it: "passing", "warning" or
// "critical".
func ParseHealth(s string) (catalog.Health, bool) {
	switch s {
	case "passing":
		return catalog.Passing, true
	case "warning":
		return catalog.Warning, true
	case "critical":
		return catalog.Critical, true
	}
	return 0, false
}
