package dns

import (
	"net"
	"net/netip"
	"strings"

	"github.com/overlayd/overlayd/node"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"golang.org/x/net/dns/dnsmessage"
)

// resolution is what a name under the domain resolves to for one
// question: NOERROR with records (none for NODATA), or NXDOMAIN.
type resolution struct {
	rcode   dnsmessage.RCode
	records records
	// more reports instances left out because they could not have fitted.
	more bool
}

var nxdomain = resolution{rcode: dnsmessage.RCodeNameError}

// one is the resolution to one record.
func one(rr dnsmessage.Resource) resolution {
	var res resolution
	res.records.add(rr, nil)
	return res
}

// resolve answers question q about l from st; room is the most records
// the message can hold.
func (s *Server) resolve(st *node.View, l lookup, q *dnsmessage.Question, room int) resolution {
	switch l.kind {
	case apex:
		if q.Type == dnsmessage.TypeSOA || q.Type == dnsmessage.TypeALL {
			return one(s.soa(st, q.Name))
		}
	case serviceName:
		return s.resolveService(st, l, q, room)
	case nodeName:
		return s.resolveNode(st, l, q)
	case addrName:
		if rr, ok := s.addrRecord(q.Name, q.Type, l.addr); ok {
			return one(rr)
		}
	}
	return resolution{}
}

// resolveService answers for the passing instances of a service, nearest
// first: one SRV record per instance, with its target's address; or one
// A or AAAA record per address, the first time it comes.
func (s *Server) resolveService(st *node.View, l lookup, q *dnsmessage.Question, room int) resolution {
	n, capped := room, true
	if s.cfg.MaxAnswers > 0 && s.cfg.MaxAnswers <= room {
		n, capped = s.cfg.MaxAnswers, false
	}
	instances := s.nearest(st, l, n)
	if len(instances) == 0 {
		return nxdomain
	}
	res := resolution{more: capped && len(instances) == n}
	seenIP := make(map[netip.Addr]bool, len(instances))
	seenTarget := make(map[string]bool)
	for rank, in := range instances {
		switch q.Type {
		case dnsmessage.TypeSRV:
			s.addSRV(&res.records, &in, rank+1, q.Name, seenTarget)
		case dnsmessage.TypeA, dnsmessage.TypeAAAA, dnsmessage.TypeALL:
			host, _ := instanceHost(&in)
			if ip, ok := parseIP(host); ok && !seenIP[ip] {
				if rr, ok := s.addrRecord(q.Name, q.Type, ip); ok {
					seenIP[ip] = true
					res.records.add(rr, nil)
				}
			}
		}
	}
	return res
}

// nearest returns the instances asked for, nearest first: as the query
// spelt the names or else in lower case. A datacenter named in the query
// is asked alone, without failover.
func (s *Server) nearest(st *node.View, l lookup, n int) []catalog.Instance {
	if st.Catalog == nil {
		return nil
	}
	for _, v := range spellings(l) {
		res := st.Nearest(catalog.Query{Service: v.service, Tag: v.tag, Datacenter: v.dc, N: n})
		if len(res.Instances) > 0 && !(v.dc != "" && res.FailedOver) {
			return res.Instances
		}
	}
	return nil
}

// spellings returns l, and l in lower case if that differs.
func spellings(l lookup) []lookup {
	if !hasUpper(l.service) && !hasUpper(l.tag) && !hasUpper(l.dc) && !hasUpper(l.node) {
		return []lookup{l}
	}
	lower := l
	lower.service, lower.tag, lower.dc, lower.node = strings.ToLower(l.service), strings.ToLower(l.tag), strings.ToLower(l.dc), strings.ToLower(l.node)
	return []lookup{l, lower}
}

// addSRV adds an instance's SRV record, with the address of its target
// unless another record of the answer gave it already.
func (s *Server) addSRV(r *records, in *catalog.Instance, rank int, owner dnsmessage.Name, seen map[string]bool) {
	target, ip, hasIP := s.target(in)
	name, err := dnsmessage.NewName(target)
	if target == "" || err != nil {
		return
	}
	srv := s.record(owner, &dnsmessage.SRVResource{
		Priority: uint16(min(rank, 0xffff)), Weight: 1, Port: in.Service.Port, Target: name,
	})
	if hasIP && !seen[target] {
		if rr, ok := s.addrRecord(name, dnsmessage.TypeALL, ip); ok {
			seen[target] = true
			r.add(srv, &rr)
			return
		}
	}
	r.add(srv, nil)
}

// target returns the name an instance's SRV record points at, with its
// address if it has one: NODE.node.DC.<domain> for an instance at its
// member's address, HEX.addr.DC.<domain> for one with an address of its
// own (or a member whose name is no DNS label), and the host name itself
// for an instance at a host name. It returns "" for an address that is
// neither an IP address nor a host name.
func (s *Server) target(in *catalog.Instance) (string, netip.Addr, bool) {
	host, own := instanceHost(in)
	ip, ok := parseIP(host)
	if !ok {
		if isHostName(strings.TrimSuffix(host, ".")) {
			return strings.TrimSuffix(host, ".") + ".", netip.Addr{}, false
		}
		return "", netip.Addr{}, false
	}
	suffix := s.domain
	if isHostLabel(in.Datacenter) {
		suffix = in.Datacenter + "." + suffix
	}
	if node := string(in.Member.ID); !own && isHostLabel(node) {
		return node + "." + labelNode + "." + suffix, ip, true
	}
	return hexAddr(ip) + "." + labelAddr + "." + suffix, ip, true
}

// resolveNode answers for a member's address. A member that left is
// gone, as in the HTTP API's catalog.
func (s *Server) resolveNode(st *node.View, l lookup, q *dnsmessage.Question) resolution {
	if st.Catalog == nil {
		return nxdomain
	}
	for _, v := range spellings(l) {
		r, ok := st.Catalog.Get(overlay.NodeID(v.node))
		if !ok || r.Status == catalog.Left || (l.dc != "" && !strings.EqualFold(r.Datacenter, l.dc)) {
			continue
		}
		if ip, ok := parseIP(memberHost(r.Member.Addr)); ok {
			if rr, ok := s.addrRecord(q.Name, q.Type, ip); ok {
				return one(rr)
			}
		}
		return resolution{}
	}
	return nxdomain
}

// addrRecord returns the A or AAAA record of ip at name if the question's
// type asks for it (TypeALL asks for both).
func (s *Server) addrRecord(name dnsmessage.Name, t dnsmessage.Type, ip netip.Addr) (dnsmessage.Resource, bool) {
	switch {
	case ip.Is4() && (t == dnsmessage.TypeA || t == dnsmessage.TypeALL):
		return s.record(name, &dnsmessage.AResource{A: ip.As4()}), true
	case ip.Is6() && (t == dnsmessage.TypeAAAA || t == dnsmessage.TypeALL):
		return s.record(name, &dnsmessage.AAAAResource{AAAA: ip.As16()}), true
	}
	return dnsmessage.Resource{}, false
}

func (s *Server) record(name dnsmessage.Name, body dnsmessage.ResourceBody) dnsmessage.Resource {
	return dnsmessage.Resource{Header: dnsmessage.ResourceHeader{Name: name, Class: dnsmessage.ClassINET, TTL: s.ttl}, Body: body}
}

// The SOA's timers, in seconds. They matter only to secondary servers,
// of which there are none; the values are conventional ones (RFC 1912
// §2.2 discusses them). Its minimum is the TTL, which makes that the TTL
// of negative answers too (RFC 2308 §5).
const (
	soaRefresh = 3600
	soaRetry   = 600
	soaExpire  = 1209600
)

// soa is the zone's SOA record at name; its serial is the state's index.
func (s *Server) soa(st *node.View, name dnsmessage.Name) dnsmessage.Resource {
	return s.record(name, &dnsmessage.SOAResource{
		NS: s.soaNS, MBox: s.soaMBox, Serial: uint32(st.Index),
		Refresh: soaRefresh, Retry: soaRetry, Expire: soaExpire, MinTTL: s.ttl,
	})
}

// instanceHost returns where an instance listens: its own address, or
// its member's host; own reports the first.
func instanceHost(in *catalog.Instance) (host string, own bool) {
	node := memberHost(in.Member.Addr)
	if in.Service.Address != "" && in.Service.Address != node {
		return in.Service.Address, true
	}
	return node, false
}

// memberHost returns the host of a member's address, "host:port".
func memberHost(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// parseIP parses an IP address, without its zone, IPv4-mapped IPv6
// addresses as IPv4.
func parseIP(host string) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.WithZone("").Unmap(), true
}
