package daemon_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go/testutils/simnet"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/daemon"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/overlay"
)

// faultRouter is simnet's perfect router with faults injected between the
// sender's uplink and the receiver's downlink: random loss on every link,
// directed links cut, and addresses paused, whose packets in either
// direction are held (up to maxHeldPackets) and delivered in order when
// the pause ends, as a stopped process's socket buffer holds them.
type faultRouter struct {
	simnet.PerfectRouter

	mu     sync.Mutex
	rng    *rand.Rand
	loss   float64
	cut    map[[2]string]bool
	paused map[string]bool
	held   []simnet.Packet
	// active counts the faults injected that have not healed yet.
	active int
	// dropped and delivered count the packets lost to loss or a cut, and
	// the others.
	dropped, delivered int
}

const maxHeldPackets = 4096

func newFaultRouter(seed uint64) *faultRouter {
	return &faultRouter{rng: rand.New(rand.NewPCG(seed, 0)), cut: map[[2]string]bool{}, paused: map[string]bool{}}
}

func (r *faultRouter) SendPacket(p simnet.Packet) error {
	from, to := p.From.String(), p.To.String()
	r.mu.Lock()
	switch {
	case r.paused[from] || r.paused[to]:
		if len(r.held) < maxHeldPackets {
			r.held = append(r.held, p)
		}
		r.mu.Unlock()
		return nil
	case r.cut[[2]string{from, to}], r.loss > 0 && r.rng.Float64() < r.loss:
		r.dropped++
		r.mu.Unlock()
		return nil
	}
	r.delivered++
	r.mu.Unlock()
	return r.PerfectRouter.SendPacket(p)
}

// Each fault lasts for a duration on the bubble's virtual clock and then
// heals by itself; a test waits on healed, a condition, rather than
// sleeping through the fault.

// lossFor makes every link lose the fraction p of its packets for d.
func (r *faultRouter) lossFor(p float64, d time.Duration) {
	r.inject(d, func() { r.loss = p }, func() { r.loss = 0 })
}

// cutFor cuts the directions from → each of tos for d.
func (r *faultRouter) cutFor(from string, tos []string, d time.Duration) {
	set := func(cut bool) {
		for _, to := range tos {
			if cut {
				r.cut[[2]string{from, to}] = true
			} else {
				delete(r.cut, [2]string{from, to})
			}
		}
	}
	r.inject(d, func() { set(true) }, func() { set(false) })
}

// pauseFor holds addr's packets for d, then delivers what was held.
func (r *faultRouter) pauseFor(addr string, d time.Duration) {
	r.inject(d, func() { r.paused[addr] = true }, func() { delete(r.paused, addr) })
}

// inject applies start under the lock, and d later heal, after which any
// packets held are delivered.
func (r *faultRouter) inject(d time.Duration, start, heal func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	start()
	r.active++
	time.AfterFunc(d, func() {
		r.mu.Lock()
		heal()
		r.active--
		held := r.held
		r.held = nil
		r.mu.Unlock()
		for _, p := range held {
			_ = r.SendPacket(p) // held again if the other end is still paused
		}
	})
}

// healed reports whether every fault injected has ended.
func (r *faultRouter) healed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.active == 0
}

// faultCluster is a cluster on a faultRouter inside a synctest bubble.
// Node i registers service "svc" as instance svc-i; spare endpoints let a
// node restart on a new address, and extra ones host outsiders.
type faultCluster struct {
	*daemon.Cluster
	net    *faultRouter
	extras []net.PacketConn
	// faulted names the nodes a scenario hurt on purpose; deaths of the
	// others are false deaths.
	faulted map[overlay.NodeID]bool

	mu         sync.Mutex
	falseDeath map[overlay.NodeID]bool
	// live is what watchDeaths reads: Nodes as of the last restart.
	live []*daemon.ClusterNode
}

// faultLinkLatency is the one-way delay of every link: a LAN.
const faultLinkLatency = 500 * time.Microsecond

// startFaultCluster starts nodes agents with spares extra endpoints per
// node for restarts and extras endpoints for outsiders, its configuration
// adjusted by edit if set. It must run inside
// a testing/synctest bubble; stop ends the agents and the network.
func startFaultCluster(t *testing.T, nodes, spares, extras int, edit func(*daemon.ClusterConfig)) (fc *faultCluster, stop func()) {
	t.Helper()
	fr := newFaultRouter(uint64(nodes))
	sn := &simnet.Simnet{Router: fr}
	endpoint := func(a, b, c byte) net.PacketConn {
		return sn.NewEndpoint(&net.UDPAddr{IP: net.IPv4(10, a, b, c), Port: 7946},
			simnet.NodeBiDiLinkSettings{Latency: faultLinkLatency})
	}
	pools := make([][]net.PacketConn, nodes)
	for i := range pools {
		for k := range 1 + spares {
			pools[i] = append(pools[i], endpoint(byte(k), 0, byte(i+1)))
		}
	}
	fc = &faultCluster{net: fr, faulted: map[overlay.NodeID]bool{}, falseDeath: map[overlay.NodeID]bool{}}
	for k := range extras {
		fc.extras = append(fc.extras, endpoint(200, 0, byte(k+1)))
	}
	require.NoError(t, sn.Start())
	var poolMu sync.Mutex
	ctx, cancel := context.WithCancel(context.Background())
	cfg := daemon.ClusterConfig{
		Nodes: nodes, Datacenters: 1, NoAPI: true,
		Services: func(i int) []services.Definition {
			return []services.Definition{{ID: fmt.Sprintf("svc-%d", i), Name: "svc", Port: 8000 + i}}
		},
		Listen: func(i int) (net.PacketConn, error) {
			poolMu.Lock()
			defer poolMu.Unlock()
			if len(pools[i]) == 0 {
				return nil, fmt.Errorf("node %d: no spare endpoint left", i)
			}
			conn := pools[i][0]
			pools[i] = pools[i][1:]
			return conn, nil
		},
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := daemon.StartCluster(ctx, cfg)
	require.NoError(t, err)
	fc.Cluster = c
	fc.live = slices.Clone(c.Nodes)
	watch, endWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		fc.watchDeaths(watch)
	}()
	return fc, func() {
		endWatch()
		<-watched
		cancel()
		c.Kill()
		require.NoError(t, sn.Close())
	}
}

// addr is node i's current address.
func (fc *faultCluster) addr(i int) string { return fc.Nodes[i].Transport().Self().Addr }

// watchDeaths records, every 100 ms of virtual time, the members that
// some node holds dead though no fault hit them.
func (fc *faultCluster) watchDeaths(ctx context.Context) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		fc.mu.Lock()
		for _, n := range fc.live {
			if fc.faulted[n.Name] {
				continue
			}
			for _, r := range n.Agent().View().Catalog.Members() {
				if r.Status == catalog.Dead && !fc.faulted[r.Member.ID] {
					fc.falseDeath[r.Member.ID] = true
				}
			}
		}
		fc.mu.Unlock()
	}
}

// restart crashes node i and starts it again, as Cluster.Restart does.
func (fc *faultCluster) restart(ctx context.Context, i int) error {
	if err := fc.Restart(ctx, i); err != nil {
		return err
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	fc.live[i] = fc.Nodes[i]
	return nil
}

// restartEvery crashes and restarts node i every interval, times times,
// on the bubble's clock. The channel yields nil once the last restart is
// done, or the first restart's error.
func (fc *faultCluster) restartEvery(ctx context.Context, i int, every time.Duration, times int) <-chan error {
	done := make(chan error, 1)
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for range times {
			<-tick.C
			if err := fc.restart(ctx, i); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	return done
}

// runOutsider runs, until the test ends, an agent of identity id on the
// first extra endpoint that joins through seeds; it is not a node of the
// cluster.
func (fc *faultCluster) runOutsider(t *testing.T, id *overlay.Identity, seeds ...string) *daemon.Daemon {
	t.Helper()
	d, err := daemon.New(daemon.Config{Identity: id, Datacenter: "dc1", Conn: fc.extras[0], Seeds: seeds})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return d
}

// refusedBySeeds is how many handshakes nodes 0 and 1, the seeds of the
// outsiders the tests start, have refused.
func (fc *faultCluster) refusedBySeeds() uint64 {
	var refused uint64
	for _, n := range fc.Nodes[:2] {
		for _, k := range n.Transport().Stats().Refused {
			refused += k
		}
	}
	return refused
}

// fault marks the nodes a scenario hurts on purpose.
func (fc *faultCluster) fault(names ...overlay.NodeID) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	for _, n := range names {
		fc.faulted[n] = true
	}
}

// falseDeaths is how many unhurt members some unhurt node held dead.
func (fc *faultCluster) falseDeaths() int {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return len(fc.falseDeath)
}

// agreed reports whether every node holds every node alive with its
// service, and every catalog holds the same records.
func (fc *faultCluster) agreed() bool {
	var first []catalog.Record
	for k, n := range fc.Nodes {
		cat := n.Agent().View().Catalog
		for i, m := range fc.Nodes {
			r, ok := cat.Get(m.Name)
			if !ok || r.Status != catalog.Alive || !hasInstance(r, fmt.Sprintf("svc-%d", i)) {
				return false
			}
		}
		members := cat.Members()
		if k == 0 {
			first = members
		} else if !reflect.DeepEqual(first, members) {
			return false
		}
	}
	return true
}

func hasInstance(r catalog.Record, id string) bool {
	for _, s := range r.Services {
		if s.ID == id {
			return true
		}
	}
	return false
}

// lostRecords counts the registered instances some node lacks.
func (fc *faultCluster) lostRecords() int {
	lost := 0
	for _, n := range fc.Nodes {
		cat := n.Agent().View().Catalog
		for i, m := range fc.Nodes {
			if r, ok := cat.Get(m.Name); !ok || !hasInstance(r, fmt.Sprintf("svc-%d", i)) {
				lost++
			}
		}
	}
	return lost
}

// recover waits, in virtual time, until the cluster agrees again, checks
// that nothing was lost, and logs the figures of loadtest/RESULTS.md.
func (fc *faultCluster) recover(t *testing.T, fault string) {
	t.Helper()
	took := waitVirtual(t, fault+": every catalog agrees again", 3*time.Minute, 100*time.Millisecond, fc.agreed)
	require.Zero(t, fc.lostRecords(), "no registered instance lost")
	fc.net.mu.Lock()
	dropped, delivered := fc.net.dropped, fc.net.delivered
	fc.net.mu.Unlock()
	t.Logf("fault %q: recovered %v after healing, records lost 0, false deaths %d (packets dropped %d, delivered %d)",
		fault, took.Round(100*time.Millisecond), fc.falseDeaths(), dropped, delivered)
}

// skipHeavy skips a fault test under -short, and under the race
// detector, where minutes of virtual time cost minutes of real time.
func skipHeavy(t *testing.T) {
	if testing.Short() {
		t.Skip("a fault injected into agents on simnet for a virtual minute or more; go test ./... runs it")
	}
}
