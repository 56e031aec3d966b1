package apitest

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// Env is an API server over a fake Backend and a real services.Manager.
type Env struct {
	Backend  *Backend
	Services *services.Manager
	Server   *api.Server
	// Done receives the Manager's Run result once ctx is done.
	Done <-chan error
}

// NewEnv starts a Manager (until ctx is done) and returns the Server
// over it and a fake Backend. The configs' Backend, Services and
// Publisher are set here.
func NewEnv(ctx context.Context, bcfg Config, scfg services.Config, acfg api.Config) (*Env, error) {
	b, err := New(bcfg)
	if err != nil {
		return nil, err
	}
	scfg.Publisher = b
	m, err := services.New(scfg)
	if err != nil {
		return nil, err
	}
	acfg.Backend, acfg.Services = b, m
	srv, err := api.New(acfg)
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	return &Env{Backend: b, Services: m, Server: srv, Done: done}, nil
}

// Record returns an alive record of member id at addr in datacenter dc,
// owner version 1, with the given coordinate and instances.
func Record(id, addr, dc string, coord *vivaldi.Coordinate, svcs ...catalog.Service) catalog.Record {
	return catalog.Record{
		Member: overlay.Peer{ID: overlay.NodeID(id), Addr: addr}, Datacenter: dc,
		Incarnation: 1, Status: catalog.Alive, OwnerIncarnation: 1, Version: 1, Coordinate: coord, Services: svcs,
	}
}

// Populate adds members node-00000 … with random coordinates of the
// default dimensionality within 100 ms of the origin, in datacenter dc;
// every members/instances-th one offers a passing instance of service
// (tags "v1"), the others an instance of one of 100 other services.
func Populate(b *Backend, rng *rand.Rand, members, instances int, dc, service string) error {
	every := max(members/max(instances, 1), 1)
	var batch []catalog.Record
	for i := range members {
		v := make([]float64, vivaldi.DefaultDimensionality)
		for j := range v {
			v[j] = rng.Float64() * 0.05
		}
		s := catalog.Service{ID: "api-1", Name: fmt.Sprintf("api-%d", i%100), Port: 8080, Health: catalog.Passing}
		if i%every == 0 && i/every < instances {
			s = catalog.Service{ID: service + "-1", Name: service, Port: 80, Tags: []string{"v1"}, Health: catalog.Passing}
		}
		id := fmt.Sprintf("node-%05d", i)
		addr := fmt.Sprintf("10.%d.%d.%d:7946", i>>16&255, i>>8&255, i&255)
		batch = append(batch, Record(id, addr, dc, &vivaldi.Coordinate{Vec: v, Error: 0.2, Height: 1e-4}, s))
		if len(batch) == 1000 || i == members-1 {
			if err := b.Apply(batch...); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}
