package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/overlayd/overlayd/node/daemon"
	"github.com/overlayd/overlayd/node/datadir"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/overlay"
)

// leaveTimeout bounds a graceful leave on SIGTERM or SIGINT.
const leaveTimeout = 5 * time.Second

// Default TLS file names inside DATA-DIR/tls/.
const (
	dataDirCAFile   = "ca.pem"
	dataDirCertFile = "node.pem"
	dataDirKeyFile  = "node-key.pem"
)

var agentCommand = &command{
	name:     "agent",
	synopsis: "run the agent: join the cluster, serve the API and DNS",
	usage: `
Runs the overlayd agent on this machine. It joins the cluster through the
-join addresses (retrying with backoff until one answers; dns+NAME joins
through every address NAME resolves to, such as a Kubernetes headless
Service's pods), keeps its state in
-data-dir, serves the Consul-shaped HTTP API on -api-addr and DNS on
-dns-addr. SIGTERM or SIGINT makes it leave the cluster gracefully within 5 s;
a second signal stops it at once.

Every node needs a certificate from the cluster CA that binds its node name
(see 'overlayd tls'). By default the agent reads DATA-DIR/tls/ca.pem,
node.pem and node-key.pem.

Settings come from the defaults, then -config-file (JSON, keys like
Consul's: node_name, datacenter, bind_addr, advertise_addr, retry_join,
data_dir, ca_file, cert_file, key_file, api_addr, dns_addr, acl_token,
log_level, log_json, services), then the flags.

Example:
  overlayd agent -node web-1 -datacenter dc1 -bind 10.0.0.4:7946 \
      -join 10.0.0.5 -join 10.0.0.6 -data-dir /var/lib/overlayd \
      -ca-file overlayd-ca.pem -cert-file web-1.pem -key-file web-1-key.pem
  overlayd agent -join dns+overlayd-seeds.overlayd.svc.cluster.local:7946 ...
`,
}

func init() { agentCommand.run = runAgent }

func runAgent(ctx context.Context, args []string, out, errOut io.Writer) int {
	c := agentCommand
	var f agentFlags
	fs := c.newFlagSet(errOut)
	f.register(fs)
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError(errOut, "unexpected argument %q", fs.Arg(0))
	}
	cfg, err := f.config()
	if err != nil {
		if errors.Is(err, errConfig) {
			return c.usageError(errOut, "%v", err)
		}
		return c.fail(errOut, err)
	}
	log := newLogger(errOut, cfg.LogLevel, cfg.LogJSON)
	dcfg, err := daemonConfig(cfg, log)
	if err != nil {
		return c.fail(errOut, err)
	}
	d, err := daemon.New(dcfg)
	if err != nil {
		return c.fail(errOut, err)
	}
	if _, names := splitSeeds(cfg.Join); len(names) > 0 {
		go refreshDNSSeeds(ctx, d.Agent(), net.DefaultResolver.LookupHost, names, log)
	}
	return runUntilSignalled(ctx, d, log, errOut)
}

// daemonConfig turns the agent's settings into the daemon's: it opens the
// data directory, loads the TLS identity, parses the services and binds
// the overlay's socket.
func daemonConfig(cfg agentConfig, log *slog.Logger) (daemon.Config, error) {
	dir, err := datadir.Open(cfg.DataDir)
	if err != nil {
		return daemon.Config{}, fmt.Errorf("data directory: %w", err)
	}
	id, err := loadIdentity(cfg, dir)
	if err != nil {
		return daemon.Config{}, err
	}
	var defs []services.Definition
	if len(cfg.Services) > 0 {
		if defs, err = services.ParseList(cfg.Services, "services"); err != nil {
			return daemon.Config{}, fmt.Errorf("config file: %w", err)
		}
	}
	seeds, names := splitSeeds(cfg.Join)
	seeds = append(seeds, resolveSeeds(context.Background(), net.DefaultResolver.LookupHost, names, log)...)
	conn, err := net.ListenPacket("udp", cfg.BindAddr)
	if err != nil {
		return daemon.Config{}, fmt.Errorf("bind %s: %w", cfg.BindAddr, err)
	}
	return daemon.Config{
		Identity:   id,
		Datacenter: cfg.Datacenter,
		Conn:       conn,
		Advertise:  cfg.AdvertiseAddr,
		Seeds:      seeds,
		DataDir:    dir.Path(),
		APIAddr:    cfg.APIAddr,
		DNSAddr:    cfg.DNSAddr,
		Token:      cfg.ACLToken,
		Services:   defs,
		Logger:     log,
		Version:    version(),
	}, nil
}

// loadIdentity reads the CA, the node certificate and its key, from the
// files given or from DATA-DIR/tls/, and checks that the certificate binds
// the configured node name.
func loadIdentity(cfg agentConfig, dir datadir.Dir) (*overlay.Identity, error) {
	or := func(path, name string) string {
		if path != "" {
			return path
		}
		return filepath.Join(dir.TLS(), name)
	}
	caPath, certPath, keyPath := or(cfg.CAFile, dataDirCAFile), or(cfg.CertFile, dataDirCertFile), or(cfg.KeyFile, dataDirKeyFile)
	id, err := overlay.LoadIdentity(caPath, certPath, keyPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("%w\nmake the files with 'overlayd tls ca create' and 'overlayd tls cert create -node %s', then pass -ca-file, -cert-file and -key-file or copy them to %s as %s, %s and %s",
				err, cfg.NodeName, dir.TLS(), dataDirCAFile, dataDirCertFile, dataDirKeyFile)
		}
		return nil, fmt.Errorf("TLS: %w", err)
	}
	if id.Name() != overlay.NodeID(cfg.NodeName) {
		return nil, fmt.Errorf("TLS: %s binds node name %q, but this node is %q (set -node, or issue a certificate for %q)",
			certPath, id.Name(), cfg.NodeName, cfg.NodeName)
	}
	return id, nil
}

// runUntilSignalled runs d until it leaves or ctx ends (a signal), then
// leaves gracefully within leaveTimeout; a second signal, or a leave that
// overruns, stops it at once.
func runUntilSignalled(ctx context.Context, d *daemon.Daemon, log *slog.Logger, errOut io.Writer) int {
	runCtx, kill := context.WithCancel(context.WithoutCancel(ctx))
	defer kill()
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	select {
	case err := <-done:
		return exitCode(err, errOut)
	case <-ctx.Done():
	}
	log.Info("signal received: leaving the cluster", "within", leaveTimeout)
	leaveCtx, cancel := context.WithTimeout(context.Background(), leaveTimeout)
	defer cancel()
	if err := d.Leave(leaveCtx); err != nil {
		log.Error("graceful leave failed; stopping", "err", err)
		kill()
	}
	return exitCode(<-done, errOut)
}

func exitCode(err error, errOut io.Writer) int {
	if err == nil || errors.Is(err, context.Canceled) {
		return exitOK
	}
	fmt.Fprintf(errOut, "overlayd agent: %v\n", err)
	return exitError
}

// newLogger returns the agent's logger at level, as text or JSON lines.
func newLogger(w io.Writer, level string, asJSON bool) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated with the configuration
	opts := &slog.HandlerOptions{Level: l}
	if asJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
