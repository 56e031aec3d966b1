package apitest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// Config configures a fake Backend.
type Config struct {
	// Self is this agent (default "self" at 127.0.0.1:7946).
	Self overlay.Peer
	// Datacenter is this agent's (default "dc1").
	Datacenter string
	// Coordinate is this agent's (default the origin).
	Coordinate vivaldi.Coordinate
	// Catalog configures the catalog; its Self is set from Self.
	Catalog catalog.Config
}

// Backend is a fake api.Backend over a real catalog. Safe for concurrent
// use.
type Backend struct {
	mu       sync.Mutex
	cfg      Config
	cat      *catalog.Catalog
	version  uint64
	services []catalog.Service
	coord    vivaldi.Coordinate
	measured *node.MeasuredRTTs
	status   catalog.Status
	joined   []string
	joinErr  error
	diskErr  error

	notifier services.Notifier
	state    atomic.Pointer[node.View]
}

// epoch is the fake time of every record: the catalog only uses it to
// expire dead members, which no test here waits for.
var epoch = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

// New returns a Backend whose catalog holds only this agent.
func New(cfg Config) (*Backend, error) {
	if cfg.Self.ID == "" {
		cfg.Self = overlay.Peer{ID: "self", Addr: "127.0.0.1:7946"}
	}
	if cfg.Datacenter == "" {
		cfg.Datacenter = "dc1"
	}
	cfg.Catalog.Self = cfg.Self.ID
	cat, err := catalog.New(cfg.Catalog)
	if err != nil {
		return nil, err
	}
	coord := cfg.Coordinate
	if coord.Vec == nil {
		dim := cfg.Catalog.Dimensionality
		if dim == 0 {
			dim = vivaldi.DefaultDimensionality
		}
		coord.Vec = make([]float64, dim)
	}
	b := &Backend{cfg: cfg, cat: cat, coord: coord, status: catalog.Alive}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.publishOwn(); err != nil {
		return nil, err
	}
	return b, nil
}

// ownRecord is this agent's record as it stands.
func (b *Backend) ownRecord() catalog.Record {
	coord := b.coord
	return catalog.Record{
		Member: b.cfg.Self, Datacenter: b.cfg.Datacenter, Incarnation: 1, Status: b.status,
		OwnerIncarnation: 1, Version: b.version, Coordinate: &coord, Services: slices.Clone(b.services),
	}
}

// publishOwn applies the own record at a new version and publishes the
// state; the caller holds mu and undoes its change on an error.
func (b *Backend) publishOwn() error {
	b.version++
	if _, err := b.cat.Apply(epoch, b.ownRecord()); err != nil {
		b.version--
		return err
	}
	b.publish()
	return nil
}

func (b *Backend) publish() {
	st := &node.View{
		Self: b.cfg.Self, Datacenter: b.cfg.Datacenter, Coordinate: b.coord, Catalog: b.cat.Snapshot(), Incarnation: 1,
		Measured: b.measured,
	}
	if b.diskErr != nil {
		st.DataDirError = b.diskErr.Error()
	}
	// The state is stored before the notifier wakes its waiters.
	st.Index = b.notifier.Version() + 1
	b.state.Store(st)
	b.notifier.Bump()
}

// SetMeasured replaces the RTTs this agent measured directly, and
// publishes the state.
func (b *Backend) SetMeasured(rtts map[overlay.NodeID]time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := make(map[overlay.NodeID]node.MeasuredRTT, len(rtts))
	for id, rtt := range rtts {
		m[id] = node.MeasuredRTT{RTT: rtt, At: epoch}
	}
	b.measured = node.NewMeasuredRTTs(b.cfg.Self.ID, m)
	b.publish()
}

// State returns the latest state.
func (b *Backend) View() *node.View { return b.state.Load() }

// Changed returns a channel closed once a state with a higher index
// exists.
func (b *Backend) Changed(index uint64) <-chan struct{} { return b.notifier.Changed(index) }

// Apply merges another member's record into the catalog, as gossip would,
// and publishes the state if it changed.
func (b *Backend) Apply(recs ...catalog.Record) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	changed := false
	for _, r := range recs {
		if r.Member.ID == b.cfg.Self.ID {
			return errors.New("apitest: Apply of this agent's own record; use the Backend's methods")
		}
		c, err := b.cat.Apply(epoch, r)
		if err != nil {
			return err
		}
		changed = changed || c
	}
	if changed {
		b.publish()
	}
	return nil
}

// SetCoordinate moves this agent's coordinate.
func (b *Backend) SetCoordinate(c vivaldi.Coordinate) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	prev := b.coord
	b.coord = c
	if err := b.publishOwn(); err != nil {
		b.coord = prev
		return err
	}
	return nil
}

// Bump publishes a new state with nothing changed, as the runtime may
// after a change that the API does not show.
func (b *Backend) Bump() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.publish()
}

// FailJoins makes Join fail with err (nil to succeed again).
func (b *Backend) FailJoins(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.joinErr = err
}

// FailDisk publishes a View whose DataDirError is err's, as an agent
// whose data directory's last write failed does; nil clears it.
func (b *Backend) FailDisk(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.diskErr = err
	b.publish()
}

// Joined returns the addresses Join was given.
func (b *Backend) Joined() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.joined)
}

// Join records the addresses; it fails as FailJoins said.
func (b *Backend) Join(ctx context.Context, addrs []string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.joinErr != nil {
		return 0, b.joinErr
	}
	b.joined = append(b.joined, addrs...)
	return len(addrs), nil
}

// Leave marks this agent left.
func (b *Backend) Leave(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.status = catalog.Left
	return b.publishOwn()
}

func (b *Backend) find(id string) (int, bool) {
	return slices.BinarySearchFunc(b.services, id, func(s catalog.Service, id string) int { return strings.Compare(s.ID, id) })
}

// RegisterService adds or replaces one of this agent's instances; the
// catalog's validation applies.
func (b *Backend) RegisterService(_ context.Context, s catalog.Service) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	prev := b.services
	b.services = slices.Clone(b.services)
	if i, found := b.find(s.ID); found {
		b.services[i] = s
	} else {
		b.services = slices.Insert(b.services, i, s)
	}
	if err := b.publishOwn(); err != nil {
		b.services = prev
		return err
	}
	return nil
}

// DeregisterService removes one of this agent's instances.
func (b *Backend) DeregisterService(_ context.Context, id string) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i, found := b.find(id)
	if !found {
		return false, nil
	}
	prev := b.services
	b.services = slices.Delete(slices.Clone(b.services), i, i+1)
	if err := b.publishOwn(); err != nil {
		b.services = prev
		return false, err
	}
	return true, nil
}

// SetServiceHealth changes the health of one of this agent's instances.
func (b *Backend) SetServiceHealth(_ context.Context, id string, h catalog.Health) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i, found := b.find(id)
	if !found {
		return false, nil
	}
	if b.services[i].Health == h {
		return true, nil
	}
	prev := b.services
	b.services = slices.Clone(b.services)
	b.services[i].Health = h
	if err := b.publishOwn(); err != nil {
		b.services = prev
		return false, err
	}
	return true, nil
}

var _ api.Backend = (*Backend)(nil)
