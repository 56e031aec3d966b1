package node

import (
	"slices"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// View is what readers see: immutable once published.
type View struct {
	Index      uint64 // rises with every published change
	Self       overlay.Peer
	Datacenter string
	Coordinate vivaldi.Coordinate
	Catalog    *catalog.Snapshot
	// Measured are the RTTs this agent measured directly and still
	// trusts; nearest queries from this agent rank by them where known.
	Measured    *MeasuredRTTs
	Active      []overlay.Peer
	Passive     []overlay.Peer
	LocalHealth int // Lifeguard score
	Incarnation uint64
	// DataDirError is the error of the agent's last read or write of its
	// data directory if that failed (PersistError), empty otherwise.
	DataDirError string
}

// Nearest answers a nearest-instance query as this agent: from its
// coordinate and datacenter, ranking by its measured RTTs where it has
// them. The View must hold a catalog.
func (v *View) Nearest(q catalog.Query) catalog.Result {
	q.From = v.Coordinate
	if v.Measured != nil {
		q.Measured = v.Measured.Lookup
	}
	if q.FromDatacenter == "" {
		q.FromDatacenter = v.Datacenter
	}
	return v.Catalog.Nearest(q)
}

// published is a View and the channel closed when the next one replaces
// it.
type published struct {
	view *View
	next chan struct{}
}

// closed is a channel closed for ever.
var closed = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// View returns the latest published view. It takes no lock.
func (a *Agent) View() *View { return a.pub.Load().view }

// Changed returns a channel that is closed once a view with Index > index
// is published (already closed if one is). Blocking queries wait on it.
func (a *Agent) Changed(index uint64) <-chan struct{} {
	p := a.pub.Load()
	if p.view.Index > index {
		return closed
	}
	return p.next
}

// publish publishes the Core's state as a new View if it differs from the
// last: another catalog snapshot, set of measured RTTs, view, coordinate,
// health score or incarnation.
func (a *Agent) publish() {
	c := a.core
	v := &View{
		Self:        c.Self(),
		Datacenter:  a.cfg.Core.Datacenter,
		Coordinate:  c.Coordinate(),
		Catalog:     c.Snapshot(),
		Measured:    c.MeasuredRTTs(),
		Active:      c.Active(),
		Passive:     c.Passive(),
		LocalHealth: c.LocalHealth(),
		Incarnation: c.Incarnation(),
	}
	if err := a.PersistError(); err != nil {
		v.DataDirError = err.Error()
	}
	old := a.pub.Load()
	if old != nil && sameView(old.view, v) {
		return
	}
	if old != nil {
		v.Index = old.view.Index
	}
	v.Index++
	a.pub.Store(&published{view: v, next: make(chan struct{})})
	if old != nil {
		close(old.next)
	}
}

func sameView(a, b *View) bool {
	return a.Catalog == b.Catalog && a.Measured == b.Measured && a.LocalHealth == b.LocalHealth && a.Incarnation == b.Incarnation &&
		a.DataDirError == b.DataDirError &&
		slices.Equal(a.Active, b.Active) && slices.Equal(a.Passive, b.Passive) &&
		sameCoordinate(a.Coordinate, b.Coordinate)
}

func sameCoordinate(a, b vivaldi.Coordinate) bool {
	return slices.Equal(a.Vec, b.Vec) && a.Error == b.Error && a.Adjustment == b.Adjustment && a.Height == b.Height
}

// counters is what the metrics read of the Core, refreshed by the loop
// every tick.
type counters struct {
	core     Stats
	protos   ProtocolStats
	members  catalog.Counts
	active   int
	passive  int
	health   int
	inc      uint64
	vivError float64
	measured int
}

func (a *Agent) refreshCounters() {
	c := a.core
	a.counters.Store(&counters{
		core:     c.Stats(),
		protos:   c.ProtocolStats(),
		members:  c.Counts(),
		active:   len(c.Active()),
		passive:  len(c.Passive()),
		health:   c.LocalHealth(),
		inc:      c.Incarnation(),
		vivError: c.Coordinate().Error,
		measured: c.MeasuredRTTs().Len(),
	})
}
