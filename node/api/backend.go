package api

import (
	"context"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// Backend is the agent as the API sees it. The agent's runtime satisfies
// it with a thin adapter; package apitest has a fake over a real catalog.
type Backend interface {
	// State returns the latest published state; it is immutable.
	State() *State
	// Changed returns a channel closed once a state with an Index above
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

var _ services.Publisher = Backend(nil)

// State is one published state of the agent.
type State struct {
	// Index grows with every change of the state.
	Index      uint64
	Self       overlay.Peer
	Datacenter string
	Coordinate vivaldi.Coordinate
	Catalog    *catalog.Snapshot
	// Incarnation is this agent's current incarnation.
	Incarnation uint64
}

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
