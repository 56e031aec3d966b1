package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// DefaultAddr is where the API listens by default: loopback only.
const DefaultAddr = "127.0.0.1:7947"

// Defaults of a [Config]. The wait times are Consul's: a blocking query
// waits 5 minutes unless it asks otherwise, 10 at most, plus a random
// jitter of up to 1/16 of its wait so that many watchers do not return
// at once.
const (
	DefaultWait               = 5 * time.Minute
	DefaultMaxWait            = 10 * time.Minute
	JitterFraction            = 16
	DefaultMaxBlockingQueries = 4096
	DefaultMaxBodyBytes       = 1 << 20
	// DefaultMaxCachedQueries bounds the distinct queries whose latest
	// answer is kept for blocking queries to compare with.
	DefaultMaxCachedQueries = 1024
	// DefaultMaxCachedBytes bounds the size of those answers: 48 health
	// answers of 1,000 instances.
	DefaultMaxCachedBytes = 64 << 20
	// DefaultKeepAlive spaces the comments that keep an idle event
	// stream open through proxies and detect a gone client.
	DefaultKeepAlive = 30 * time.Second
)

// ErrInvalidConfig reports a [Config] that [New] refuses.
var ErrInvalidConfig = errors.New("api: invalid config")

// Config configures a [Server]. The zero value of every field but Backend
// and Services means its default.
type Config struct {
	// Backend is the agent. Required.
	Backend Backend
	// Services is this agent's services and checks, a
	// *services.Manager. Required.
	Services Services
	// Token, if set, is the ACL token every write must carry, in the
	// X-Consul-Token header, an "Authorization: Bearer" header or the
	// token query parameter, as in Consul. Reads need none.
	Token string
	// Metrics, if set, is served at /metrics.
	Metrics http.Handler
	// UI, if set, is served under /ui/.
	UI http.Handler
	// AllowedHosts are host names accepted in the Host header besides
	// loopback ones ("localhost", 127.0.0.0/8, ::1), for an API bound to
	// another address on purpose. Leave it empty on loopback.
	AllowedHosts []string
	// MaxBlockingQueries bounds the blocking queries and event streams
	// waiting at once (default 4,096); past it a request is refused with
	// 429.
	MaxBlockingQueries int
	// MaxBodyBytes bounds a request body (default 1 MiB); past it a
	// request is refused with 413.
	MaxBodyBytes int64
	// DefaultWait and MaxWait are a blocking query's wait when it gives
	// none, and the longest it may ask for (defaults 5 and 10 min).
	DefaultWait, MaxWait time.Duration
	// MaxCachedQueries and MaxCachedBytes bound the queries whose answers
	// are kept for the blocking queries, in number and in encoded bytes
	// (defaults 1,024 and 64 MiB); past them the least recently used
	// go. A blocking query whose answer went returns at the next change
	// of the state, having lost the answer to compare with.
	MaxCachedQueries int
	MaxCachedBytes   int
	// KeepAlive spaces the keep-alive comments of event streams (default
	// 30 s).
	KeepAlive time.Duration
	// Version is reported by /v1/agent/self.
	Version string
}

func (c Config) withDefaults() Config {
	overlay.SetDefault(&c.MaxBlockingQueries, DefaultMaxBlockingQueries)
	overlay.SetDefault(&c.MaxBodyBytes, DefaultMaxBodyBytes)
	overlay.SetDefault(&c.DefaultWait, DefaultWait)
	overlay.SetDefault(&c.MaxWait, DefaultMaxWait)
	overlay.SetDefault(&c.MaxCachedQueries, DefaultMaxCachedQueries)
	overlay.SetDefault(&c.MaxCachedBytes, DefaultMaxCachedBytes)
	overlay.SetDefault(&c.KeepAlive, DefaultKeepAlive)
	overlay.SetDefault(&c.Version, "dev")
	return c
}

// Validate reports the first nonsensical field of c, after defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Backend == nil:
		return fmt.Errorf("%w: Backend is nil", ErrInvalidConfig)
	case c.Services == nil:
		return fmt.Errorf("%w: Services is nil", ErrInvalidConfig)
	case c.MaxBlockingQueries < 1 || c.MaxBodyBytes < 1 || c.MaxCachedQueries < 1 || c.MaxCachedBytes < 1:
		return fmt.Errorf("%w: MaxBlockingQueries, MaxBodyBytes, MaxCachedQueries and MaxCachedBytes must be positive", ErrInvalidConfig)
	case c.DefaultWait <= 0 || c.MaxWait < c.DefaultWait || c.KeepAlive <= 0:
		return fmt.Errorf("%w: want 0 < DefaultWait ≤ MaxWait and a positive KeepAlive", ErrInvalidConfig)
	}
	return nil
}
