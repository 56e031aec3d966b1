package daemon

import (
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/overlay"
)

// ErrInvalidConfig reports a [Config] that [New] refuses.
var ErrInvalidConfig = errors.New("daemon: invalid config")

// Config is everything one agent is started with. Identity, Datacenter and
// Conn are required; every other zero field means "none" or its default.
type Config struct {
	// Identity is the node's certificate, its key and the cluster CA; the
	// node's name is the one the certificate binds.
	Identity *overlay.Identity
	// Datacenter is the node's datacenter.
	Datacenter string
	// Conn is the UDP socket the overlay runs on, or any net.PacketConn
	// (netem wraps one to emulate a WAN). The daemon closes it when it
	// stops.
	Conn net.PacketConn
	// Advertise is the address peers reach the node at (default: Conn's
	// local address, which must then be a specific one).
	Advertise string
	// Seeds are addresses to join through; the runtime retries them with
	// backoff until one answers.
	Seeds []string
	// DataDir keeps the node's incarnation, last known members and
	// service registrations across restarts; empty keeps nothing.
	DataDir string
	// APIAddr is the HTTP API's TCP address ("127.0.0.1:0" picks a free
	// port); empty serves no API.
	APIAddr string
	// DNSAddr is the DNS server's address, UDP and TCP; empty serves no
	// DNS.
	DNSAddr string
	// DNSDomain is the DNS domain (default "overlay.").
	DNSDomain string
	// Token, if set, is the ACL token API writes must carry.
	Token string
	// Services are registered at start, after those restored from
	// DataDir; a definition with the ID of a restored one replaces it.
	Services []services.Definition
	// Logger receives the agent's logs (default: discarded).
	Logger *slog.Logger
	// Version is reported by the API.
	Version string
	// Tune, if set, adjusts the runtime's configuration before the agent
	// is made: tests and `overlayd dev` shorten its timers with it.
	Tune func(*node.AgentConfig)
	// TuneTransport, if set, adjusts the transport's configuration.
	TuneTransport func(*overlay.Config)
}

func (c Config) validate() error {
	switch {
	case c.Identity == nil:
		return fmt.Errorf("%w: Identity is nil", ErrInvalidConfig)
	case c.Datacenter == "":
		return fmt.Errorf("%w: Datacenter is empty", ErrInvalidConfig)
	case c.Conn == nil:
		return fmt.Errorf("%w: Conn is nil", ErrInvalidConfig)
	}
	return nil
}
