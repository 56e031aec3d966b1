package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/catalog"
)

// dnsSeedPrefix marks a -join value that is a DNS name to resolve, not an
// address: "dns+NAME[:port]". Every address the name resolves to is a seed,
// so that one name, like a Kubernetes headless Service, names them all.
const dnsSeedPrefix = "dns+"

const (
	// dnsRefreshInterval is how often the names are resolved again, to
	// join through addresses that appeared since: at a DaemonSet's start
	// the Service lists the pods as they come.
	dnsRefreshInterval = 30 * time.Second
	// dnsJoinsPerRefresh bounds the absent addresses joined through per
	// refresh, so that a thousand agents starting together do not each
	// dial every other one.
	dnsJoinsPerRefresh = 3
	// dnsLookupTimeout bounds one resolution.
	dnsLookupTimeout = 5 * time.Second
)

// dnsSeed is a parsed dns+NAME[:port].
type dnsSeed struct {
	host string
	port int
}

func (s dnsSeed) String() string {
	return dnsSeedPrefix + net.JoinHostPort(s.host, strconv.Itoa(s.port))
}

// parseDNSSeed parses v, which starts with dnsSeedPrefix; the port
// defaults to port.
func parseDNSSeed(v string, port int) (dnsSeed, error) {
	rest := strings.TrimPrefix(v, dnsSeedPrefix)
	host := rest
	if h, p, err := net.SplitHostPort(rest); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return dnsSeed{}, fmt.Errorf("%q: port %q: want 1 to 65535", v, p)
		}
		host, port = h, n
	}
	if err := validHostName(host); err != nil {
		return dnsSeed{}, fmt.Errorf("%q: %w", v, err)
	}
	return dnsSeed{host: host, port: port}, nil
}

// validHostName accepts a DNS name: dot-separated labels of letters,
// digits, '-' and '_', at most 253 bytes, not an IP address.
func validHostName(h string) error {
	if _, err := netip.ParseAddr(h); err == nil {
		return fmt.Errorf("%q is an IP address; drop %q", h, dnsSeedPrefix)
	}
	if h == "" || len(h) > 253 {
		return fmt.Errorf("want a DNS name of 1 to 253 bytes")
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if err := validLabel(label); err != nil {
			return fmt.Errorf("DNS name %q: label %w", h, err)
		}
	}
	return nil
}

// lookupFunc resolves a host name to IP addresses, as
// net.Resolver.LookupHost does.
type lookupFunc func(ctx context.Context, host string) ([]string, error)

// resolveSeeds resolves every name to IP:port addresses, sorted and
// without repeats. A name that does not resolve is logged and skipped.
func resolveSeeds(ctx context.Context, lookup lookupFunc, seeds []dnsSeed, log *slog.Logger) []string {
	var out []string
	for _, s := range seeds {
		lctx, cancel := context.WithTimeout(ctx, dnsLookupTimeout)
		ips, err := lookup(lctx, s.host)
		cancel()
		if err != nil {
			log.Warn("join: DNS name does not resolve", "name", s.host, "err", err)
			continue
		}
		for _, ip := range ips {
			if a, err := netip.ParseAddr(ip); err == nil {
				out = append(out, netip.AddrPortFrom(a.Unmap(), uint16(s.port)).String())
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// absentAddrs returns the addresses that are neither this agent's nor a
// live member's in v, at most limit of them, picked at random.
func absentAddrs(addrs []string, v *node.View, limit int) []string {
	present := map[string]bool{v.Self.Addr: true}
	for _, r := range v.Catalog.Members() {
		if r.Status == catalog.Alive || r.Status == catalog.Suspect {
			present[r.Member.Addr] = true
		}
	}
	absent := slices.DeleteFunc(slices.Clone(addrs), func(a string) bool { return present[a] })
	rand.Shuffle(len(absent), func(i, j int) { absent[i], absent[j] = absent[j], absent[i] })
	return absent[:min(len(absent), limit)]
}

// splitSeeds separates the -join values into addresses and DNS names; the
// values come checked by agentConfig.resolve.
func splitSeeds(join []string) (addrs []string, names []dnsSeed) {
	for _, j := range join {
		if !strings.HasPrefix(j, dnsSeedPrefix) {
			addrs = append(addrs, j)
			continue
		}
		s, err := parseDNSSeed(j, defaultGossipPort)
		if err == nil {
			names = append(names, s)
		}
	}
	return addrs, names
}

// refreshDNSSeeds resolves the names every dnsRefreshInterval until ctx
// ends, and joins through a few of the addresses that are not live
// members of a's catalog.
func refreshDNSSeeds(ctx context.Context, a *node.Agent, lookup lookupFunc, names []dnsSeed, log *slog.Logger) {
	t := time.NewTicker(dnsRefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		absent := absentAddrs(resolveSeeds(ctx, lookup, names, log), a.View(), dnsJoinsPerRefresh)
		if len(absent) == 0 {
			continue
		}
		if n, err := a.Join(ctx, absent); err != nil {
			log.Info("join: no address resolved from DNS answered", "addresses", absent, "err", err)
		} else {
			log.Info("joined through addresses resolved from DNS", "joined", n, "of", len(absent))
		}
	}
}
