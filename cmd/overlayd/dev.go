package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/daemon"
	"github.com/overlayd/overlayd/node/dns"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/overlay/netem"
)

var devCommand = &command{
	name:     "dev",
	synopsis: "run a local cluster of agents in this process, to try overlayd",
	usage: `
Starts a whole cluster on this machine, in one process: 32 agents by default,
in 3 datacenters, over real QUIC on loopback, with the latencies of a real
wide-area network emulated from the bundled PlanetLab matrix (490 hosts; each
datacenter is a region of nearby hosts). A throwaway CA, made in memory,
vouches for every node; nothing needs setting up. The first node serves the
HTTP API on 127.0.0.1:7947 and DNS on 127.0.0.1:7953, the usual places, so
every other overlayd command and any Consul client work against it.

A few services are registered to play with: "web" on every fifth node, in
every datacenter, and "db" in dc3 only, to show the failover to the nearest
datacenter. Ctrl-C makes every agent leave and stops.

Example:
  overlayd dev
  overlayd dev -n 64 -dcs 4 -latency none
`,
}

func init() { devCommand.run = runDev }

func runDev(ctx context.Context, args []string, out, errOut io.Writer) int {
	c := devCommand
	fs := c.newFlagSet(errOut)
	n := fs.Int("n", daemon.DefaultClusterNodes, "number of `agents`")
	dcs := fs.Int("dcs", daemon.DefaultClusterDatacenters, "number of `datacenters`")
	latency := fs.String("latency", "planetlab", "emulated latency: `planetlab` (the bundled matrix) or none")
	apiAddr := fs.String("api-addr", api.DefaultAddr, "first node's HTTP API `address`")
	dnsAddr := fs.String("dns-addr", dns.DefaultAddr, "first node's DNS `address`")
	logLevel := fs.String("log-level", "warn", "`level` of the agents' logs: debug, info, warn or error")
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	switch {
	case fs.NArg() > 0:
		return c.usageError(errOut, "unexpected argument %q", fs.Arg(0))
	case *n < 1 || *n > 4096:
		return c.usageError(errOut, "-n %d: want 1 to 4096 agents", *n)
	case *dcs < 1 || *dcs > *n:
		return c.usageError(errOut, "-dcs %d: want 1 to %d (the agents)", *dcs, *n)
	case *latency != "planetlab" && *latency != "none":
		return c.usageError(errOut, "-latency %q: want planetlab or none", *latency)
	}
	switch *logLevel {
	case "debug", "info", "warn", "error":
	default:
		return c.usageError(errOut, "-log-level %q: want debug, info, warn or error", *logLevel)
	}
	cfg := daemon.ClusterConfig{
		Nodes: *n, Datacenters: *dcs, APIAddr: *apiAddr, DNSAddr: *dnsAddr,
		Logger:   newLogger(errOut, *logLevel, false),
		Services: devServices(*dcs),
	}
	if *latency == "planetlab" {
		m, err := netem.PlanetLab490()
		if err != nil {
			return c.fail(errOut, err)
		}
		cfg.Matrix = m
	}
	dir, err := os.MkdirTemp("", "overlayd-dev-")
	if err != nil {
		return c.fail(errOut, err)
	}
	defer os.RemoveAll(dir)
	cfg.DataDir = dir

	started := time.Now()
	cluster, err := daemon.StartCluster(context.WithoutCancel(ctx), cfg)
	if err != nil {
		return c.fail(errOut, err)
	}
	printDevBanner(out, cluster, cfg, *latency, time.Since(started))
	<-ctx.Done()
	fmt.Fprintln(out, "\nleaving: every agent tells the cluster and stops...")
	leaveCtx, cancel := context.WithTimeout(context.Background(), leaveTimeout)
	defer cancel()
	if err := cluster.Leave(leaveCtx); err != nil {
		fmt.Fprintf(errOut, "overlayd dev: %v\n", err)
		cluster.Kill()
		return exitError
	}
	return exitOK
}

// devServices registers "web" on every fifth node, and "db" on every
// third node of the last datacenter only, when there are several.
func devServices(dcs int) func(i int) []services.Definition {
	return func(i int) []services.Definition {
		var defs []services.Definition
		if i%5 == 0 {
			defs = append(defs, services.Definition{ID: fmt.Sprintf("web-%d", i), Name: "web", Port: 8080, Tags: []string{"v1"}})
		}
		if dcs > 1 && i%dcs == dcs-1 && (i/dcs)%3 == 0 {
			defs = append(defs, services.Definition{ID: fmt.Sprintf("db-%d", i), Name: "db", Port: 5432})
		}
		return defs
	}
}

func printDevBanner(out io.Writer, c *daemon.Cluster, cfg daemon.ClusterConfig, latency string, took time.Duration) {
	first := c.Nodes[0]
	fmt.Fprintf(out, "overlayd dev: %d agents in %d datacenters over QUIC on loopback (latency: %s), started in %v\n",
		len(c.Nodes), cfg.Datacenters, latency, took.Round(time.Millisecond))
	fmt.Fprintf(out, "  %s (%s) serves the API on http://%s", first.Name, first.Datacenter, first.APIAddr())
	if a := first.DNSAddr(); a != nil {
		fmt.Fprintf(out, " and DNS on %s", a)
	}
	fmt.Fprintf(out, "\n  the cluster converges in a few seconds; data directories under %s\n\n", cfg.DataDir)
	apiFlag := ""
	if first.APIAddr().String() != api.DefaultAddr {
		apiFlag = " -api-addr " + first.APIAddr().String()
	}
	last := c.Nodes[len(c.Nodes)-1].Name
	fmt.Fprintf(out, `Try, in another terminal:
  overlayd members%[1]s
  overlayd rtt%[1]s %[2]s %[3]s
  overlayd nearest%[1]s web
  overlayd nearest%[1]s db          # only the last datacenter has db: see the failover
  curl 'http://%[4]s/v1/health/service/web?passing&near=_agent'
  dig @127.0.0.1 -p 7953 web.service.overlay SRV
  open http://%[4]s/ui/            # the live map

Ctrl-C makes every agent leave the cluster and stops.
`, apiFlag, first.Name, last, first.APIAddr())
}
