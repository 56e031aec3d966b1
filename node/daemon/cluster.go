package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/overlay/netem"
)

// Defaults of a ClusterConfig.
const (
	DefaultClusterNodes       = 32
	DefaultClusterDatacenters = 3
	DefaultClusterSeeds       = 3
)

// ClusterConfig describes agents run side by side in one process, over
// real QUIC on loopback: `overlayd dev`, the tests of the daemon and the
// real-cluster load tests. Zero fields take their defaults.
type ClusterConfig struct {
	// Nodes is the number of agents (default 32).
	Nodes int
	// Datacenters is how many datacenters they spread over, dc1, dc2, …
	// (default 3). Node i is in datacenter i mod Datacenters.
	Datacenters int
	// Seeds is how many of the first nodes the others join through
	// (default 3, one per datacenter).
	Seeds int
	// Matrix, if set, gives the emulated latency between agents: the
	// datacenters are placed on regions of the matrix (netem.Regions) and
	// each agent on a host of its region's, nearest the centre first.
	Matrix *netem.RTTMatrix
	// DataDir, if set, holds one data directory per node, named after it;
	// empty keeps nothing on disk.
	DataDir string
	// APIAddr and DNSAddr are node 0's; every other node's API listens on
	// a free loopback port and serves no DNS. Empty: node 0 also gets a
	// free port for its API, and serves no DNS.
	APIAddr, DNSAddr string
	// NoAPI serves no HTTP API on any node: a cluster on an emulated
	// network inside a testing/synctest bubble must open no real socket,
	// or the bubble's clock could not advance.
	NoAPI bool
	// Services returns the services to register on node i, if set.
	Services func(i int) []services.Definition
	// Logger receives every agent's logs, each tagged with its node.
	Logger *slog.Logger
	// Tune and TuneTransport adjust every agent, as in Config.
	Tune          func(*node.AgentConfig)
	TuneTransport func(*overlay.Config)
	// Identity, if set, gives node i its identity at each start (a CA
	// rotation's test changes it between restarts); by default node i
	// gets a new certificate from the cluster's CA.
	Identity func(i int, ca *overlay.CA) (*overlay.Identity, error)
	// Listen, if set, opens node i's socket instead of a UDP socket on
	// 127.0.0.1 (with Matrix set, the socket is then wrapped by netem).
	Listen func(i int) (net.PacketConn, error)
}

func (c *ClusterConfig) setDefaults() {
	overlay.SetDefault(&c.Nodes, DefaultClusterNodes)
	overlay.SetDefault(&c.Datacenters, DefaultClusterDatacenters)
	overlay.SetDefault(&c.Seeds, DefaultClusterSeeds)
	c.Seeds = min(c.Seeds, c.Nodes)
}

// Cluster is a set of agents run in this process.
type Cluster struct {
	Nodes []*ClusterNode
	// CA is the throwaway CA that vouches for every node.
	CA *overlay.CA
	// Placement puts the agents' addresses on the matrix's hosts; nil
	// without a matrix.
	Placement *netem.Placement

	cfg     ClusterConfig
	regions [][]int
	seeds   []string
}

// ClusterNode is one agent of a Cluster.
type ClusterNode struct {
	*Daemon
	Name       overlay.NodeID
	Datacenter string
	// Host is the matrix host the node is placed on, -1 without a matrix.
	Host int

	stop context.CancelFunc
	done chan error
}

// NodeName is the name of node i of a cluster.
func NodeName(i int) overlay.NodeID { return overlay.NodeID(fmt.Sprintf("node-%02d", i)) }

// StartCluster makes and runs the agents of cfg. They run until ctx ends
// (then they stop without leaving), Leave, or Kill.
func StartCluster(ctx context.Context, cfg ClusterConfig) (c *Cluster, err error) {
	cfg.setDefaults()
	ca, err := overlay.NewThrowawayCA()
	if err != nil {
		return nil, err
	}
	c = &Cluster{CA: ca, cfg: cfg}
	defer func() {
		if err != nil {
			c.Kill()
		}
	}()
	if cfg.Matrix != nil {
		c.Placement = netem.NewPlacement(cfg.Matrix)
		c.regions = netem.Regions(cfg.Matrix, cfg.Datacenters)
	}
	for i := range cfg.Nodes {
		n, err := c.startNode(ctx, i)
		if err != nil {
			return nil, fmt.Errorf("node %d: %w", i, err)
		}
		c.Nodes = append(c.Nodes, n)
		if i < cfg.Seeds {
			c.seeds = append(c.seeds, n.Transport().Self().Addr)
		}
	}
	return c, nil
}

// Restart kills node i, as a crash would, and starts it again under ctx
// with the same name, datacenter and data directory (so a higher
// incarnation, when DataDir is set), on a new socket. It joins through the
// seeds, or through the members it saved.
func (c *Cluster) Restart(ctx context.Context, i int) error {
	if i < 0 || i >= len(c.Nodes) {
		return fmt.Errorf("no node %d in a cluster of %d", i, len(c.Nodes))
	}
	c.Nodes[i].Kill()
	n, err := c.startNode(ctx, i)
	if err != nil {
		return fmt.Errorf("node %d: %w", i, err)
	}
	c.Nodes[i] = n
	return nil
}

// startNode makes node i and runs it until ctx ends or it is stopped.
func (c *Cluster) startNode(ctx context.Context, i int) (*ClusterNode, error) {
	n, err := c.newNode(c.cfg, i, c.regions, c.seeds)
	if err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	n.stop, n.done = stop, make(chan error, 1)
	go func() { n.done <- n.Run(runCtx) }()
	return n, nil
}

// newNode makes node i, joining through seeds: the seeds made before it,
// which the later seeds then find through the runtime's joins.
func (c *Cluster) newNode(cfg ClusterConfig, i int, regions [][]int, seeds []string) (*ClusterNode, error) {
	name, dc := NodeName(i), fmt.Sprintf("dc%d", i%cfg.Datacenters+1)
	var id *overlay.Identity
	var err error
	if cfg.Identity != nil {
		id, err = cfg.Identity(i, c.CA)
	} else {
		id, err = c.CA.Identity(name, overlay.CertOptions{})
	}
	if err != nil {
		return nil, err
	}
	var conn net.PacketConn
	if cfg.Listen != nil {
		conn, err = cfg.Listen(i)
	} else {
		conn, err = net.ListenPacket("udp", "127.0.0.1:0")
	}
	if err != nil {
		return nil, err
	}
	host := -1
	if c.Placement != nil {
		r := regions[i%cfg.Datacenters]
		host = r[(i/cfg.Datacenters)%len(r)]
		c.Placement.Place(conn.LocalAddr(), host)
		conn = netem.DelayByPlacement(conn, c.Placement)
	}
	dcfg := Config{
		Identity:      id,
		Datacenter:    dc,
		Conn:          conn,
		Seeds:         seeds,
		APIAddr:       "127.0.0.1:0",
		Logger:        cfg.Logger,
		Tune:          cfg.Tune,
		TuneTransport: cfg.TuneTransport,
	}
	switch {
	case cfg.NoAPI:
		dcfg.APIAddr = ""
	case i == 0:
		if cfg.APIAddr != "" {
			dcfg.APIAddr = cfg.APIAddr
		}
		dcfg.DNSAddr = cfg.DNSAddr
	}
	if cfg.DataDir != "" {
		dcfg.DataDir = filepath.Join(cfg.DataDir, string(name))
	}
	if cfg.Services != nil {
		dcfg.Services = cfg.Services(i)
	}
	d, err := New(dcfg)
	if err != nil {
		return nil, err
	}
	return &ClusterNode{Daemon: d, Name: name, Datacenter: dc, Host: host}, nil
}

// Leave makes every running node leave at once, and waits until all have
// stopped or ctx ends.
func (c *Cluster) Leave(ctx context.Context) error { return LeaveAll(ctx, c.Nodes) }

// LeaveAll makes the nodes leave at once, and waits until all have stopped
// or ctx ends. Nodes already stopped are skipped.
func LeaveAll(ctx context.Context, nodes []*ClusterNode) error {
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, n := range nodes {
		wg.Go(func() {
			if err := n.Daemon.Leave(ctx); err != nil && !errors.Is(err, node.ErrStopped) {
				errs[i] = fmt.Errorf("%s: %w", n.Name, err)
				return
			}
			select {
			case err := <-n.done:
				n.done <- err // for the next Wait
				if err != nil {
					errs[i] = fmt.Errorf("%s: %w", n.Name, err)
				}
			case <-ctx.Done():
				errs[i] = fmt.Errorf("%s: still running: %w", n.Name, ctx.Err())
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Kill stops every node at once, without leaving.
func (c *Cluster) Kill() {
	for _, n := range c.Nodes {
		n.Kill()
	}
}

// Kill stops the node without leaving, as a crash would, and waits for it.
func (n *ClusterNode) Kill() {
	n.stop()
	n.Wait()
}

// Wait waits until the node has stopped and returns what Run returned.
func (n *ClusterNode) Wait() error {
	err := <-n.done
	n.done <- err // for the next Wait
	return err
}
