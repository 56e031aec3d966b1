package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Default ports, as the agent documents them.
const (
	defaultGossipPort = 7946
	defaultAPIAddr    = "127.0.0.1:7947"
	defaultDNSAddr    = "127.0.0.1:7953"
	defaultDC         = "dc1"
)

// agentConfig is everything `overlayd agent` is configured with. It comes
// from defaults, then an optional JSON file, then flags, each overriding
// the one before. The JSON keys follow Consul's agent configuration where
// Consul has the setting.
type agentConfig struct {
	NodeName      string   `json:"node_name"`
	Datacenter    string   `json:"datacenter"`
	BindAddr      string   `json:"bind_addr"`
	AdvertiseAddr string   `json:"advertise_addr"`
	Join          []string `json:"retry_join"`
	DataDir       string   `json:"data_dir"`
	CAFile        string   `json:"ca_file"`
	CertFile      string   `json:"cert_file"`
	KeyFile       string   `json:"key_file"`
	APIAddr       string   `json:"api_addr"`
	DNSAddr       string   `json:"dns_addr"`
	ACLToken      string   `json:"acl_token"`
	LogLevel      string   `json:"log_level"`
	LogJSON       bool     `json:"log_json"`
	// Services is a list of service definitions in the shape of Consul's
	// /v1/agent/service/register body, registered at start.
	Services json.RawMessage `json:"services"`
}

// defaultAgentConfig returns the configuration before any file or flag.
func defaultAgentConfig() agentConfig {
	host, _ := os.Hostname()
	return agentConfig{
		NodeName:   host,
		Datacenter: defaultDC,
		BindAddr:   net.JoinHostPort("0.0.0.0", strconv.Itoa(defaultGossipPort)),
		APIAddr:    defaultAPIAddr,
		DNSAddr:    defaultDNSAddr,
		LogLevel:   "info",
	}
}

// errConfig marks a configuration that the agent refuses: the CLI prints
// it and exits with the usage code.
var errConfig = errors.New("invalid configuration")

// loadAgentConfigFile merges the JSON object in path into cfg.
func loadAgentConfigFile(cfg *agentConfig, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: config file: %w", errConfig, err)
	}
	if err := checkConfigKeys(data); err != nil {
		return fmt.Errorf("%w: %s: %w", errConfig, path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("%w: %s: %s", errConfig, path, describeJSONError(data, err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: %s: content after the configuration object", errConfig, path)
	}
	return nil
}

// checkConfigKeys refuses a key that names no setting, listing those that
// do, so that a typo does not pass silently. A file that is not a JSON
// object is left for the decoder to describe.
func checkConfigKeys(data []byte) error {
	var keys map[string]json.RawMessage
	if json.Unmarshal(data, &keys) != nil {
		return nil
	}
	known := configKeys()
	var unknown []string
	for k := range keys {
		if !slices.Contains(known, k) {
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return fmt.Errorf("unknown key %s; the keys are %s", strings.Join(unknown, ", "), strings.Join(known, ", "))
}

// configKeys returns the JSON keys of agentConfig, in declaration order.
func configKeys() []string {
	t := reflect.TypeFor[agentConfig]()
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		keys = append(keys, strings.Split(t.Field(i).Tag.Get("json"), ",")[0])
	}
	return keys
}

// describeJSONError turns a decoding error into a message with the line
// and column it happened at.
func describeJSONError(data []byte, err error) string {
	var offset int64 = -1
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		offset = syntax.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
		err = fmt.Errorf("%q must be %s, not %s", typ.Field, describeType(typ.Type.String()), typ.Value)
	}
	if offset < 0 || offset > int64(len(data)) {
		return err.Error()
	}
	line := 1 + bytes.Count(data[:offset], []byte("\n"))
	col := offset - int64(bytes.LastIndexByte(data[:offset], '\n'))
	return fmt.Sprintf("line %d, column %d: %v", line, col, err)
}

func describeType(goType string) string {
	switch goType {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "[]string":
		return "a list of strings"
	case "json.RawMessage":
		return "a list of service definitions"
	}
	return "a " + goType
}

// agentFlags registers the agent's flags on fs. Their values are applied
// by apply, after the config file, so that a flag overrides the file
// whatever the order on the command line.
type agentFlags struct {
	configFile string
	pending    []func(*agentConfig) error
}

func (f *agentFlags) register(fs *flag.FlagSet) {
	def := defaultAgentConfig()
	fs.StringVar(&f.configFile, "config-file", "", "read settings from this JSON `file`; flags override it")
	f.str(fs, "node", def.NodeName, "this node's `name`, unique in the cluster; its certificate must bind it; the hostname by default",
		func(c *agentConfig, v string) { c.NodeName = v })
	f.str(fs, "datacenter", def.Datacenter, "the `datacenter` this node is in",
		func(c *agentConfig, v string) { c.Datacenter = v })
	f.str(fs, "bind", def.BindAddr, "UDP `address` to listen on for the overlay (QUIC)",
		func(c *agentConfig, v string) { c.BindAddr = v })
	f.str(fs, "advertise", "", "`address` other nodes reach this one at (default: the bind address, or this machine's private IP when binding all interfaces)",
		func(c *agentConfig, v string) { c.AdvertiseAddr = v })
	fs.Var(&joinFlag{f: f}, "join", "`address` of a node to join through (IP or IP:port), or dns+NAME[:port] for every address NAME resolves to, resolved again every 30 s; repeat or separate with commas; tried with backoff until one answers")
	f.str(fs, "data-dir", "", "`directory` for the node's state: incarnation, last known members, registrations (required)",
		func(c *agentConfig, v string) { c.DataDir = v })
	f.str(fs, "ca-file", "", "cluster CA certificate `file` (PEM) (default: DATA-DIR/tls/ca.pem)",
		func(c *agentConfig, v string) { c.CAFile = v })
	f.str(fs, "cert-file", "", "this node's certificate `file` (PEM) (default: DATA-DIR/tls/node.pem)",
		func(c *agentConfig, v string) { c.CertFile = v })
	f.str(fs, "key-file", "", "this node's private key `file` (PEM) (default: DATA-DIR/tls/node-key.pem)",
		func(c *agentConfig, v string) { c.KeyFile = v })
	f.str(fs, "api-addr", def.APIAddr, "TCP `address` of the HTTP API",
		func(c *agentConfig, v string) { c.APIAddr = v })
	f.str(fs, "dns-addr", def.DNSAddr, "`address` of the DNS server, UDP and TCP",
		func(c *agentConfig, v string) { c.DNSAddr = v })
	f.str(fs, "acl-token", "", "`token` that API writes must carry (X-Consul-Token); none when empty",
		func(c *agentConfig, v string) { c.ACLToken = v })
	f.str(fs, "log-level", def.LogLevel, "`level` of the logs: debug, info, warn or error",
		func(c *agentConfig, v string) { c.LogLevel = v })
	fs.BoolFunc("log-json", "write logs as JSON lines", func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return err
		}
		f.pending = append(f.pending, func(c *agentConfig) error { c.LogJSON = b; return nil })
		return nil
	})
}

// str registers a string flag whose value is applied later.
func (f *agentFlags) str(fs *flag.FlagSet, name, def, usage string, set func(*agentConfig, string)) {
	fs.Var(&deferredString{def: def, apply: func(v string) {
		f.pending = append(f.pending, func(c *agentConfig) error { set(c, v); return nil })
	}}, name, usage)
}

// config returns the configuration: defaults, the file, the flags.
func (f *agentFlags) config() (agentConfig, error) {
	cfg := defaultAgentConfig()
	if f.configFile != "" {
		if err := loadAgentConfigFile(&cfg, f.configFile); err != nil {
			return agentConfig{}, err
		}
	}
	for _, apply := range f.pending {
		if err := apply(&cfg); err != nil {
			return agentConfig{}, err
		}
	}
	if err := cfg.resolve(); err != nil {
		return agentConfig{}, err
	}
	return cfg, nil
}

// deferredString is a flag.Value that hands its value to apply.
type deferredString struct {
	def   string
	apply func(string)
}

func (d *deferredString) String() string {
	if d == nil {
		return ""
	}
	return d.def
}

func (d *deferredString) Set(v string) error { d.apply(v); return nil }

// joinFlag collects -join values; given on the command line they replace
// the file's list rather than add to it.
type joinFlag struct {
	f      *agentFlags
	values []string
}

func (j *joinFlag) String() string { return "" }

func (j *joinFlag) Set(v string) error {
	first := len(j.values) == 0
	var l stringList
	if err := l.Set(v); err != nil {
		return err
	}
	j.values = append(j.values, l...)
	if first {
		j.f.pending = append(j.f.pending, func(c *agentConfig) error {
			c.Join = j.values
			return nil
		})
	}
	return nil
}

// resolve checks every setting and fills those derived from others: the
// advertise address, the ports of join addresses, the TLS file paths.
func (c *agentConfig) resolve() error {
	if err := validNodeName(c.NodeName); err != nil {
		return fmt.Errorf("%w: node name: %w", errConfig, err)
	}
	if err := validLabel(c.Datacenter); err != nil {
		return fmt.Errorf("%w: datacenter: %w", errConfig, err)
	}
	bind, err := netip.ParseAddrPort(c.BindAddr)
	if err != nil {
		return fmt.Errorf("%w: bind address %q: want IP:port, like 0.0.0.0:%d", errConfig, c.BindAddr, defaultGossipPort)
	}
	if c.AdvertiseAddr, err = advertiseAddr(c.AdvertiseAddr, bind); err != nil {
		return fmt.Errorf("%w: %w", errConfig, err)
	}
	for i, j := range c.Join {
		if strings.HasPrefix(j, dnsSeedPrefix) {
			s, err := parseDNSSeed(j, defaultGossipPort)
			if err != nil {
				return fmt.Errorf("%w: join name: %w", errConfig, err)
			}
			c.Join[i] = s.String()
			continue
		}
		if c.Join[i], err = withDefaultPort(j, defaultGossipPort); err != nil {
			return fmt.Errorf("%w: join address: %w, or dns+NAME[:port] for a DNS name", errConfig, err)
		}
	}
	if c.DataDir == "" {
		return fmt.Errorf("%w: -data-dir is required: the agent keeps its incarnation, last known members and registrations there", errConfig)
	}
	for name, addr := range map[string]string{"API address": c.APIAddr, "DNS address": c.DNSAddr} {
		if _, err := netip.ParseAddrPort(addr); err != nil {
			return fmt.Errorf("%w: %s %q: want IP:port", errConfig, name, addr)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("%w: log level %q: want debug, info, warn or error", errConfig, c.LogLevel)
	}
	return nil
}

// advertiseAddr returns the address to advertise: the one given (its port
// defaulting to the bind port), else the bind address, else, when binding
// every interface, this machine's first private IPv4 address.
func advertiseAddr(given string, bind netip.AddrPort) (string, error) {
	if given != "" {
		a, err := withDefaultPort(given, int(bind.Port()))
		if err != nil {
			return "", fmt.Errorf("advertise address: %w", err)
		}
		ap, err := netip.ParseAddrPort(a)
		if err != nil || ap.Addr().IsUnspecified() {
			return "", fmt.Errorf("advertise address %q: want a reachable IP:port", given)
		}
		return a, nil
	}
	if !bind.Addr().IsUnspecified() {
		return bind.String(), nil
	}
	ip, err := privateIP()
	if err != nil {
		return "", fmt.Errorf("binding every interface, and %w; set -advertise", err)
	}
	return netip.AddrPortFrom(ip, bind.Port()).String(), nil
}

// privateIP returns this machine's first private IPv4 address (RFC 1918).
func privateIP() (netip.Addr, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("cannot list interface addresses: %w", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap().Is4() && ip.IsPrivate() {
				return ip.Unmap(), nil
			}
		}
	}
	return netip.Addr{}, errors.New("this machine has no private IPv4 address to advertise")
}

// withDefaultPort returns addr as IP:port, adding port when it has none.
func withDefaultPort(addr string, port int) (string, error) {
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return ap.String(), nil
	}
	ip, err := netip.ParseAddr(strings.Trim(addr, "[]"))
	if err != nil {
		return "", fmt.Errorf("%q: want IP or IP:port", addr)
	}
	return netip.AddrPortFrom(ip, uint16(port)).String(), nil
}

// validNodeName accepts what a certificate can bind and a DNS label can
// carry: letters, digits, '-', '_' and '.', at most 128 bytes.
func validNodeName(s string) error {
	if s == "" {
		return errors.New("empty; set -node (the hostname could not be read)")
	}
	if len(s) > 128 {
		return fmt.Errorf("%q is %d bytes, at most 128", s, len(s))
	}
	for _, r := range s {
		if !isNameChar(r) && r != '.' {
			return fmt.Errorf("%q has %q; use letters, digits, '-', '_' and '.'", s, r)
		}
	}
	return nil
}

// validLabel accepts one DNS label: letters, digits, '-' and '_', 1 to 63
// bytes.
func validLabel(s string) error {
	if s == "" || len(s) > 63 {
		return fmt.Errorf("%q: want 1 to 63 letters, digits, '-' or '_'", s)
	}
	for _, r := range s {
		if !isNameChar(r) {
			return fmt.Errorf("%q has %q; use letters, digits, '-' and '_'", s, r)
		}
	}
	return nil
}

func isNameChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}
