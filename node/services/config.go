package services

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/clock"
	"github.com/overlayd/overlayd/overlay"
)

// Publisher takes this agent's service instances to the cluster: the
// agent's runtime, which puts them in its own catalog record and
// broadcasts it. An error from RegisterService wrapping
// catalog.ErrInvalidRecord means the catalog refused the instance (a limit
// of the record), and the Manager then changes nothing.
type Publisher interface {
	RegisterService(ctx context.Context, s catalog.Service) error
	DeregisterService(ctx context.Context, id string) (bool, error)
	SetServiceHealth(ctx context.Context, id string, h catalog.Health) (bool, error)
}

// Defaults of a [Config].
const (
	// DefaultOutputUpdateInterval is Consul's check_update_interval: how
	// often a check's changed output alone is reported.
	DefaultOutputUpdateInterval = 5 * time.Minute
	// DefaultRetryInterval spaces the attempts to publish a health change
	// that the Publisher failed to take.
	DefaultRetryInterval = time.Second
	// DefaultMaxServices is the catalog's bound on one member's services
	// (catalog.DefaultMaxServicesPerMember), refused here first so that
	// the answer can name the field.
	DefaultMaxServices = catalog.DefaultMaxServicesPerMember
	// DefaultMaxChecks bounds the checks of all the services together:
	// four per service at the default bound on services, each a goroutine
	// and a timer.
	DefaultMaxChecks = 4 * DefaultMaxServices
	// StateFile is the name of the file in Config.DataDir that keeps the
	// registrations.
	StateFile = "services.json"
)

// ErrInvalidConfig reports a [Config] that [New] refuses.
var ErrInvalidConfig = errors.New("services: invalid config")

// Config configures a [Manager]. The zero value of every field except
// Publisher means its default.
type Config struct {
	// Publisher takes the instances to the cluster. Required.
	Publisher Publisher
	// DataDir is where the registrations are kept (in StateFile), so that
	// they survive a restart; empty keeps them in memory only.
	DataDir string
	// Clock runs the check intervals and deadlines (default clock.Real).
	Clock clock.Clock
	// Logger receives the check transitions and failures (default:
	// discarded).
	Logger *slog.Logger
	// OutputUpdateInterval bounds how often a check's output alone is
	// reported (default 5 min, see DefaultOutputUpdateInterval).
	OutputUpdateInterval time.Duration
	// RetryInterval spaces the retries of a failed health publication
	// (default 1 s).
	RetryInterval time.Duration
	// MaxServices bounds the registered services (default 256, see
	// DefaultMaxServices) and MaxChecks their checks together (default
	// 1,024). A registration past either is refused with a [FieldError]
	// and changes nothing.
	MaxServices int
	MaxChecks   int
}

func (c Config) withDefaults() Config {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	overlay.SetDefault(&c.OutputUpdateInterval, DefaultOutputUpdateInterval)
	overlay.SetDefault(&c.RetryInterval, DefaultRetryInterval)
	overlay.SetDefault(&c.MaxServices, DefaultMaxServices)
	overlay.SetDefault(&c.MaxChecks, DefaultMaxChecks)
	return c
}

// Validate reports the first nonsensical field of c, after defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Publisher == nil:
		return fmt.Errorf("%w: Publisher is nil", ErrInvalidConfig)
	case c.OutputUpdateInterval < 0 || c.RetryInterval < 0:
		return fmt.Errorf("%w: negative interval", ErrInvalidConfig)
	case c.MaxServices < 0 || c.MaxChecks < 0:
		return fmt.Errorf("%w: negative MaxServices or MaxChecks", ErrInvalidConfig)
	}
	return nil
}
