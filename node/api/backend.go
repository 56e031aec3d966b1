package api

import (
	"context"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/services"
)

// Backend is the agent as the API sees it: a *node.Agent, or the fake
// over a real catalog in package apitest.
type Backend interface {
	// View returns the latest published view; it is immutable.
	View() *node.View
	// Changed returns a channel closed once a view with an Index above
	// index exists.
	Changed(index uint64) <-chan struct{}
	// Join contacts the given addresses and reports how many answered.
	Join(ctx context.Context, addrs []string) (joined int, err error)
	// Leave leaves the cluster gracefully.
	Leave(ctx context.Context) error
	// RegisterService, DeregisterService and SetServiceHealth publish
	// this agent's instances to the cluster; the services.Manager calls
	// them, so a Backend is also a services.Publisher.
	RegisterService(ctx context.Context, s catalog.Service) error
	DeregisterService(ctx context.Context, id string) (bool, error)
	SetServiceHealth(ctx context.Context, id string, h catalog.Health) (bool, error)
}

var (
	_ services.Publisher = Backend(nil)
	_ Backend            = (*node.Agent)(nil)
)

// Services is this agent's own service instances and checks: a
// *services.Manager.
type Services interface {
	View() *services.View
	Changed(version uint64) <-chan struct{}
	Register(ctx context.Context, def services.Definition) error
	Deregister(ctx context.Context, id string) (bool, error)
	UpdateCheck(ctx context.Context, checkID string, status catalog.Health, output string) error
}

var _ Services = (*services.Manager)(nil)
