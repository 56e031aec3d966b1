package dns

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/overlay"
)

// Backend is the agent as DNS sees it: its latest published state. An
// api.Backend satisfies it.
type Backend interface {
	// View returns the latest published view; it is immutable, and
	// cheap enough to call on every query.
	View() *node.View
}

var _ Backend = api.Backend(nil)

// DefaultAddr is where the DNS server listens by default, on UDP and TCP:
// loopback only.
const DefaultAddr = "127.0.0.1:7953"

// References quoted by the defaults:
//
//	[flagday] DNS Flag Day 2020: an EDNS(0) buffer of 1,232 bytes avoids IP
//	          fragmentation on nearly every path.
//	[7766]    RFC 7766 §6.2.3: a DNS server over TCP should close idle
//	          connections after a period "of the order of seconds".
const (
	// DefaultDomain is the domain the server answers for.
	DefaultDomain = "overlay."
	// DefaultMaxUDPSize caps the EDNS(0) payload size a client may ask
	// for over UDP [flagday].
	DefaultMaxUDPSize = 1232
	// DefaultMaxTCPConns bounds the TCP connections served at once; each
	// costs a goroutine and at most one 64 KiB message buffer.
	DefaultMaxTCPConns = 256
	// DefaultTCPIdleTimeout closes a TCP connection that sends no full
	// query for this long [7766].
	DefaultTCPIdleTimeout = 10 * time.Second
)

// minUDPSize is the payload every DNS client accepts over UDP (RFC 1035
// §2.3.4), and maxMessageSize the largest a TCP frame can carry.
const (
	minUDPSize     = 512
	maxMessageSize = math.MaxUint16
)

// maxTTL is the largest TTL RFC 2181 §8 allows: 2³¹−1 seconds.
const maxTTL = math.MaxInt32 * time.Second

// ErrInvalidConfig reports a [Config] that [New] refuses.
var ErrInvalidConfig = errors.New("dns: invalid config")

// Config configures a [Server]. The zero value of every field but Backend
// means its default; [New] fills them into its own copy. References are
// listed above [DefaultDomain].
type Config struct {
	// Backend is the agent. Required.
	Backend Backend
	// Addr is where [Server.ListenAndServe] listens, on UDP and TCP
	// (default 127.0.0.1:7953).
	Addr string
	// Domain is the domain answered for, such as "overlay" or
	// "overlay.example.com." (default "overlay."); it is matched without
	// regard to case. Names outside it are REFUSED.
	Domain string
	// TTL is the TTL of every record, negative answers included, in whole
	// seconds (default 0: no resolver caches an answer, so none serves a
	// moved or failed instance). At most 2³¹−1 s.
	TTL time.Duration
	// MaxAnswers bounds the instances in one answer, like Consul's
	// a_record_limit (default 0: as many as fit in the message). An
	// answer cut by it does not set the TC bit: TCP would not give more.
	MaxAnswers int
	// MaxUDPSize caps the UDP payload a client may advertise with
	// EDNS(0), in bytes, 512..65535 (default 1,232 [flagday]). A client
	// without EDNS(0) gets 512.
	MaxUDPSize int
	// MaxTCPConns bounds the TCP connections served at once (default
	// 256); a connection past it is closed at once, and counted in
	// [Stats].TCPRejected.
	MaxTCPConns int
	// TCPIdleTimeout closes a TCP connection that sends no complete query
	// for this long after it opened or after its last answer (default
	// 10 s [7766]). It also bounds the writing of an answer.
	TCPIdleTimeout time.Duration
}

func (c Config) withDefaults() Config {
	overlay.SetDefault(&c.Addr, DefaultAddr)
	overlay.SetDefault(&c.Domain, DefaultDomain)
	overlay.SetDefault(&c.MaxUDPSize, DefaultMaxUDPSize)
	overlay.SetDefault(&c.MaxTCPConns, DefaultMaxTCPConns)
	overlay.SetDefault(&c.TCPIdleTimeout, DefaultTCPIdleTimeout)
	return c
}

// Validate reports the first nonsensical field of c, after defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.Backend == nil {
		return fmt.Errorf("%w: Backend is nil", ErrInvalidConfig)
	}
	if _, err := canonicalDomain(c.Domain); err != nil {
		return fmt.Errorf("%w: Domain: %w", ErrInvalidConfig, err)
	}
	switch {
	case c.TTL < 0 || c.TTL > maxTTL || c.TTL%time.Second != 0:
		return fmt.Errorf("%w: TTL %v is not a whole number of seconds in 0..%v", ErrInvalidConfig, c.TTL, maxTTL)
	case c.MaxAnswers < 0:
		return fmt.Errorf("%w: negative MaxAnswers %d", ErrInvalidConfig, c.MaxAnswers)
	case c.MaxUDPSize < minUDPSize || c.MaxUDPSize > maxMessageSize:
		return fmt.Errorf("%w: MaxUDPSize %d outside %d..%d", ErrInvalidConfig, c.MaxUDPSize, minUDPSize, maxMessageSize)
	case c.MaxTCPConns < 1:
		return fmt.Errorf("%w: MaxTCPConns %d < 1", ErrInvalidConfig, c.MaxTCPConns)
	case c.TCPIdleTimeout <= 0:
		return fmt.Errorf("%w: TCPIdleTimeout %v is not positive", ErrInvalidConfig, c.TCPIdleTimeout)
	}
	return nil
}

// canonicalDomain returns d in lower case with one trailing dot, or an
// error if it is not a domain name of letters, digits, hyphens and
// underscores in labels of 1..63 bytes, short enough to leave room for
// the names under it.
func canonicalDomain(d string) (string, error) {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	if d == "" {
		return "", errors.New("empty; the root cannot be served")
	}
	if len(d) > 128 {
		return "", fmt.Errorf("%d bytes exceed 128", len(d))
	}
	for label := range strings.SplitSeq(d, ".") {
		if !isHostLabel(label) {
			return "", fmt.Errorf("label %q is not 1..63 letters, digits, hyphens or underscores", label)
		}
	}
	return d + ".", nil
}
