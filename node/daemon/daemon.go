package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"

	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/dns"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/node/ui"
	"github.com/overlayd/overlayd/overlay"
)

// Daemon is one running agent and everything around it.
type Daemon struct {
	cfg       Config
	log       *slog.Logger
	transport *overlay.QUICTransport
	agent     *node.Agent
	services  *services.Manager
	api       *api.Server
	apiLn     net.Listener
	dns       *dns.Server
	dnsPC     net.PacketConn
	dnsLn     net.Listener
}

// New builds an agent on cfg.Conn and binds its API and DNS listeners, so
// that a busy port fails here rather than later. Nothing runs until Run.
// On error, everything New opened is closed again, cfg.Conn included.
func New(cfg Config) (d *Daemon, err error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	d = &Daemon{cfg: cfg, log: cfg.Logger.With("node", string(cfg.Identity.Name()))}
	defer func() {
		if err != nil {
			d.closeListeners()
			if d.transport != nil {
				_ = d.transport.Close(context.Background())
			}
			_ = cfg.Conn.Close()
		}
	}()

	reg, err := node.NewRegistry()
	if err != nil {
		return nil, err
	}
	tcfg := overlay.Config{
		Identity:   cfg.Identity,
		Registry:   reg,
		Classifier: node.Classify,
		Advertise:  cfg.Advertise,
		OnRefused:  d.logRefusal,
	}
	if cfg.TuneTransport != nil {
		cfg.TuneTransport(&tcfg)
	}
	if d.transport, err = overlay.NewQUICTransport(cfg.Conn, tcfg); err != nil {
		return nil, err
	}
	acfg := node.AgentConfig{
		Core:      node.Config{Datacenter: cfg.Datacenter, KeyAuthority: cfg.Identity},
		Transport: d.transport,
		Logger:    cfg.Logger, // the agent tags its lines with the node itself
		DataDir:   cfg.DataDir,
		Seeds:     cfg.Seeds,
	}
	if cfg.Tune != nil {
		cfg.Tune(&acfg)
	}
	if d.agent, err = node.NewAgent(acfg); err != nil {
		return nil, err
	}
	d.agent.Registry().MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if d.services, err = services.New(services.Config{
		Publisher: d.agent, DataDir: cfg.DataDir, Logger: d.log,
		MaxServices: acfg.Core.Catalog.MaxServicesPerMember, // the catalog's bound, refused with the field named
	}); err != nil {
		return nil, err
	}
	if cfg.APIAddr != "" {
		if d.api, err = api.New(api.Config{
			Backend: d.agent, Services: d.services, Token: cfg.Token,
			Metrics: d.agent.MetricsHandler(), UI: ui.Handler(), Version: cfg.Version,
		}); err != nil {
			return nil, err
		}
		if d.apiLn, err = net.Listen("tcp", cfg.APIAddr); err != nil {
			return nil, fmt.Errorf("daemon: API: %w", err)
		}
	}
	d.agent.Registry().MustRegister(daemonCollector{d})
	if cfg.DNSAddr != "" {
		if d.dns, err = dns.New(dns.Config{Backend: d.agent, Addr: cfg.DNSAddr, Domain: cfg.DNSDomain}); err != nil {
			return nil, err
		}
		if d.dnsPC, err = net.ListenPacket("udp", cfg.DNSAddr); err != nil {
			return nil, fmt.Errorf("daemon: DNS: %w", err)
		}
		if d.dnsLn, err = net.Listen("tcp", d.dnsPC.LocalAddr().String()); err != nil {
			return nil, fmt.Errorf("daemon: DNS: %w", err)
		}
	}
	return d, nil
}

// Run runs the agent until it has left the cluster (Leave, or the API's
// leave endpoint), then stops the API, DNS and health checks and returns
// nil; or until ctx ends, when everything stops without leaving, as if the
// process were killed, and Run returns ctx's error. Run may be called once.
func (d *Daemon) Run(ctx context.Context) error {
	side, stopSide := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSide()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sideErrs []error
	goSide := func(name string, run func(context.Context) error) {
		wg.Go(func() {
			if err := run(side); err != nil && !errors.Is(err, context.Canceled) {
				mu.Lock()
				sideErrs = append(sideErrs, fmt.Errorf("%s: %w", name, err))
				mu.Unlock()
				d.log.Error("stopped", "component", name, "err", err)
			}
		})
	}
	agentDone := make(chan error, 1)
	go func() { agentDone <- d.agent.Run(ctx) }()
	goSide("services", d.services.Run)
	if err := d.registerConfigured(ctx); err != nil {
		d.log.Error("registering the configured services", "err", err)
		stopSide()
		wg.Wait()
		<-agentDone
		d.closeListeners()
		return err
	}
	if d.api != nil {
		goSide("api", func(c context.Context) error { return d.api.Serve(c, d.apiLn) })
	}
	if d.dns != nil {
		goSide("dns", func(c context.Context) error { return d.dns.Serve(c, d.dnsPC, d.dnsLn) })
	}
	d.log.Info("agent started", "addr", d.transport.Self().Addr, "datacenter", d.cfg.Datacenter,
		"api", addrOf(d.apiLn), "dns", addrOfPacket(d.dnsPC))
	err := <-agentDone
	stopSide()
	wg.Wait()
	d.closeListeners()
	_ = d.cfg.Conn.Close()
	if err == nil {
		d.log.Info("agent stopped after leaving")
	}
	return errors.Join(append([]error{err}, sideErrs...)...)
}

// registerConfigured registers the services of the configuration, once
// the manager has restored those of the data directory.
func (d *Daemon) registerConfigured(ctx context.Context) error {
	for _, def := range d.cfg.Services {
		if err := d.services.Register(ctx, def); err != nil {
			return fmt.Errorf("service %q: %w", def.ID, err)
		}
	}
	return nil
}

// Leave leaves the cluster gracefully: the agent tells the cluster, drains
// its messages and stops, within ctx; Run then returns.
func (d *Daemon) Leave(ctx context.Context) error { return d.agent.Leave(ctx) }

// Agent returns the runtime, for reading its view.
func (d *Daemon) Agent() *node.Agent { return d.agent }

// Transport returns the QUIC transport, for its statistics.
func (d *Daemon) Transport() *overlay.QUICTransport { return d.transport }

// Services returns the manager of the local services.
func (d *Daemon) Services() *services.Manager { return d.services }

// APIAddr returns the HTTP API's address, or nil when it serves none.
func (d *Daemon) APIAddr() net.Addr { return addrOf(d.apiLn) }

// DNSAddr returns the DNS server's address, or nil when it serves none.
func (d *Daemon) DNSAddr() net.Addr { return addrOfPacket(d.dnsPC) }

func (d *Daemon) closeListeners() {
	for _, c := range []io.Closer{d.apiLn, d.dnsLn, d.dnsPC} {
		if c != nil {
			_ = c.Close()
		}
	}
}

// logRefusal logs a connection the transport refused; the transport has
// counted it.
func (d *Daemon) logRefusal(r overlay.Refusal) {
	d.log.Warn("refused a connection", "peer_addr", r.Addr.String(), "claimed_node", string(r.Node),
		"inbound", r.Inbound, "reason", r.Reason.String(), "err", r.Err)
}

func addrOf(ln net.Listener) net.Addr {
	if ln == nil {
		return nil
	}
	return ln.Addr()
}

func addrOfPacket(pc net.PacketConn) net.Addr {
	if pc == nil {
		return nil
	}
	return pc.LocalAddr()
}
