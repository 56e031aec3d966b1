package dns

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
)

// kind is what a name under the domain designates.
type kind uint8

const (
	// apex is the domain itself.
	apex kind = iota
	// interior is a name with names under it but no records of its own:
	// service.overlay, node.dc1.overlay, or a lone label, which may be a
	// datacenter (datacenters are not listed, so any label is taken for
	// one, rather than answer NXDOMAIN for a name that has names under it,
	// which RFC 8020 says ends the resolution of all of them).
	interior
	serviceName
	nodeName
	addrName
)

// lookup is a parsed query name. Its strings are as the query spelt them.
type lookup struct {
	kind kind
	// service and tag name the instances asked for (serviceName), node
	// the member (nodeName), addr the address spelt in hex (addrName).
	service, tag, node string
	addr               netip.Addr
	// dc is the datacenter named, or empty.
	dc string
}

var (
	// errOutside reports a name outside the served domain: REFUSED.
	errOutside = errors.New("outside the domain")
	// errNoName reports a name under the domain that cannot exist:
	// NXDOMAIN.
	errNoName = errors.New("no such name")
)

// The labels that say what the labels before them name.
const (
	labelService = "service"
	labelNode    = "node"
	labelAddr    = "addr"
)

// rfc2782AnyTag is the protocol label of _NAME._tcp.service, which Consul
// takes to mean no tag at all.
const rfc2782AnyTag = "tcp"

// parseName parses name, a query name with its trailing dot, under
// domain, which is in lower case with a trailing dot.
func parseName(name, domain string) (lookup, error) {
	if len(name) < len(domain) || !strings.EqualFold(name[len(name)-len(domain):], domain) {
		return lookup{}, errOutside
	}
	rest := name[:len(name)-len(domain)]
	if rest == "" {
		return lookup{kind: apex}, nil
	}
	if !strings.HasSuffix(rest, ".") {
		return lookup{}, errOutside // "xoverlay." is not under "overlay."
	}
	labels := strings.Split(rest[:len(rest)-1], ".")
	n := len(labels)
	switch {
	case isKeyword(labels[n-1]):
		return parseUnder(strings.ToLower(labels[n-1]), labels[:n-1], "")
	case n >= 2 && isKeyword(labels[n-2]):
		return parseUnder(strings.ToLower(labels[n-2]), labels[:n-2], labels[n-1])
	case n == 1:
		return lookup{kind: interior, dc: labels[0]}, nil
	}
	return lookup{}, errNoName
}

func isKeyword(label string) bool {
	return strings.EqualFold(label, labelService) || strings.EqualFold(label, labelNode) || strings.EqualFold(label, labelAddr)
}

// parseUnder parses the labels before the keyword kw, in datacenter dc.
func parseUnder(kw string, labels []string, dc string) (lookup, error) {
	l := lookup{kind: interior, dc: dc}
	if len(labels) == 0 {
		return l, nil
	}
	switch kw {
	case labelService:
		return parseService(labels, l)
	case labelNode:
		if len(labels) == 1 {
			l.kind, l.node = nodeName, labels[0]
			return l, nil
		}
	case labelAddr:
		if len(labels) == 1 {
			if a, ok := parseHexAddr(labels[0]); ok {
				l.kind, l.addr = addrName, a
				return l, nil
			}
		}
	}
	return lookup{}, errNoName
}

// parseService parses NAME, TAG.NAME and _NAME._TAG.
func parseService(labels []string, l lookup) (lookup, error) {
	l.kind = serviceName
	switch {
	case len(labels) == 1:
		l.service = labels[0]
	case len(labels) == 2 && strings.HasPrefix(labels[0], "_") && strings.HasPrefix(labels[1], "_"):
		l.service, l.tag = labels[0][1:], labels[1][1:]
		if l.service == "" || l.tag == "" {
			return lookup{}, errNoName
		}
		if strings.EqualFold(l.tag, rfc2782AnyTag) {
			l.tag = ""
		}
	case len(labels) == 2:
		l.tag, l.service = labels[0], labels[1]
	default:
		return lookup{}, errNoName
	}
	return l, nil
}

// hexAddr spells an address as the label of an addr name: 8 hex digits
// for IPv4, 32 for IPv6, as Consul does.
func hexAddr(a netip.Addr) string { return hex.EncodeToString(a.AsSlice()) }

func parseHexAddr(label string) (netip.Addr, bool) {
	if len(label) != 8 && len(label) != 32 {
		return netip.Addr{}, false
	}
	b, err := hex.DecodeString(label)
	if err != nil {
		return netip.Addr{}, false
	}
	return netip.AddrFromSlice(b)
}

// isHostLabel reports whether s can be one label of a name this server
// writes: 1..63 letters, digits, hyphens or underscores.
func isHostLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// isHostName reports whether s, without a trailing dot, is a name of
// such labels that fits in a DNS name.
func isHostName(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if !isHostLabel(label) {
			return false
		}
	}
	return true
}

// hasUpper reports whether s has an ASCII upper-case letter.
func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}
