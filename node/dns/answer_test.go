package dns

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/vivaldi"
)

func TestServiceSRVNearestFirst(t *testing.T) {
	s := startServer(t, Config{})
	m := s.ask(t, "web.service.overlay.", dnsmessage.TypeSRV)
	require.Equal(t, dnsmessage.RCodeSuccess, m.RCode)
	require.True(t, m.Authoritative)
	require.False(t, m.Truncated)
	targets, prio, ports := srvTargets(m)
	require.Equal(t, []string{
		"node-b.node.dc1.overlay.", "node-d.node.dc1.overlay.", "node-a.node.dc1.overlay.",
		"node-c.node.dc1.overlay.", "node-e.node.dc1.overlay.",
	}, targets, "nearest first; critical, dead and left members' instances left out")
	require.Equal(t, []uint16{1, 2, 3, 4, 5}, prio, "the priority is the rank")
	require.Equal(t, []uint16{8081, 8083, 8080, 8082, 8084}, ports)
	require.Equal(t, []string{
		"node-b.node.dc1.overlay. 127.0.0.11", "node-d.node.dc1.overlay. 127.0.0.13", "node-a.node.dc1.overlay. 127.0.0.10",
		"node-c.node.dc1.overlay. 127.0.0.12", "node-e.node.dc1.overlay. 127.0.0.14",
	}, addrs(m.Additionals), "every target's address in the additional section")
	for _, rr := range m.Answers {
		require.Equal(t, uint32(0), rr.Header.TTL, "TTL 0 by default")
		require.Equal(t, "web.service.overlay.", rr.Header.Name.String())
	}
}

func TestServiceANearestFirst(t *testing.T) {
	s := startServer(t, Config{})
	m := s.ask(t, "web.service.overlay.", dnsmessage.TypeA)
	require.Equal(t, []string{
		"web.service.overlay. 127.0.0.11", "web.service.overlay. 127.0.0.13", "web.service.overlay. 127.0.0.10",
		"web.service.overlay. 127.0.0.12", "web.service.overlay. 127.0.0.14",
	}, addrs(m.Answers))
	require.Empty(t, m.Additionals)
}

func TestOrderFollowsThisAgentsCoordinate(t *testing.T) {
	b := newBackend(t)
	s := startServer(t, Config{Backend: b})
	// Moved next to node-e, the agent sees the order reversed along the
	// first axis: node-e (0), node-a (50), node-b (≈80), node-d, node-c.
	require.NoError(t, b.SetCoordinate(vivaldi.Coordinate{Vec: []float64{0.080, 0}}))
	targets, _, _ := srvTargets(s.ask(t, "web.service.overlay.", dnsmessage.TypeSRV))
	require.Equal(t, []string{
		"node-e.node.dc1.overlay.", "node-a.node.dc1.overlay.", "node-b.node.dc1.overlay.",
		"node-d.node.dc1.overlay.", "node-c.node.dc1.overlay.",
	}, targets)
}

func TestRepeatedQueriesKeepTheOrder(t *testing.T) {
	s := startServer(t, Config{})
	first := s.ask(t, "web.service.overlay.", dnsmessage.TypeA)
	for range 20 {
		require.Equal(t, addrs(first.Answers), addrs(s.ask(t, "web.service.overlay.", dnsmessage.TypeA).Answers), "never shuffled")
	}
}

func TestFailoverToNearestDatacenter(t *testing.T) {
	s := startServer(t, Config{})
	// dc1 has no api; dc2's nearest (60 ms) beats dc3's (200 ms).
	targets, _, _ := srvTargets(s.ask(t, "api.service.overlay.", dnsmessage.TypeSRV))
	require.Equal(t, []string{"node-i.node.dc2.overlay.", "node-h.node.dc2.overlay."}, targets)
}

func TestDatacenterForm(t *testing.T) {
	s := startServer(t, Config{})
	targets, _, _ := srvTargets(s.ask(t, "web.service.dc2.overlay.", dnsmessage.TypeSRV))
	require.Equal(t, []string{"node-h.node.dc2.overlay."}, targets)
	targets, _, _ = srvTargets(s.ask(t, "api.service.dc3.overlay.", dnsmessage.TypeSRV))
	require.Equal(t, []string{"node-j.node.dc3.overlay."}, targets, "a named datacenter is asked even if another is nearer")
	m := s.ask(t, "api.service.dc1.overlay.", dnsmessage.TypeSRV)
	require.Equal(t, dnsmessage.RCodeNameError, m.RCode, "a named datacenter does not fail over")
	m = s.ask(t, "web.service.nosuchdc.overlay.", dnsmessage.TypeA)
	require.Equal(t, dnsmessage.RCodeNameError, m.RCode)
}

func TestTagForms(t *testing.T) {
	s := startServer(t, Config{})
	for _, name := range []string{"v1.web.service.overlay.", "_web._v1.service.overlay.", "V1.Web.Service.Overlay."} {
		targets, _, _ := srvTargets(s.ask(t, name, dnsmessage.TypeSRV))
		require.Equal(t, []string{"node-d.node.dc1.overlay.", "node-a.node.dc1.overlay.", "node-c.node.dc1.overlay."}, targets, name)
	}
	targets, _, _ := srvTargets(s.ask(t, "_web._tcp.service.overlay.", dnsmessage.TypeSRV))
	require.Len(t, targets, 5, "_tcp means any tag, as in Consul")
	targets, _, _ = srvTargets(s.ask(t, "v2.web.service.dc1.overlay.", dnsmessage.TypeSRV))
	require.Equal(t, []string{"node-b.node.dc1.overlay."}, targets)
	require.Equal(t, dnsmessage.RCodeNameError, s.ask(t, "v9.web.service.overlay.", dnsmessage.TypeSRV).RCode)
}

func TestNodeForm(t *testing.T) {
	s := startServer(t, Config{})
	for _, name := range []string{"node-h.node.overlay.", "node-h.node.dc2.overlay.", "NODE-H.node.DC2.overlay."} {
		m := s.ask(t, name, dnsmessage.TypeA)
		require.Equal(t, dnsmessage.RCodeSuccess, m.RCode, name)
		require.Equal(t, []string{name + " 127.0.1.10"}, addrs(m.Answers), "the owner name is the question's, case and all")
	}
	m := s.ask(t, "node-6.node.overlay.", dnsmessage.TypeAAAA)
	require.Equal(t, []string{"node-6.node.overlay. 2001:db8::6"}, addrs(m.Answers))
	m = s.ask(t, "node-g.node.overlay.", dnsmessage.TypeA)
	require.Equal(t, []string{"node-g.node.overlay. 127.0.0.16"}, addrs(m.Answers), "a dead member is still in the catalog")
	for _, name := range []string{"node-h.node.dc1.overlay.", "node-left.node.overlay.", "nosuch.node.overlay."} {
		m := s.ask(t, name, dnsmessage.TypeA)
		require.Equal(t, dnsmessage.RCodeNameError, m.RCode, name)
		requireSOA(t, m)
	}
}

func TestAddressesOfTheirOwn(t *testing.T) {
	s := startServer(t, Config{})
	m := s.ask(t, "mixed.service.overlay.", dnsmessage.TypeSRV)
	targets, _, ports := srvTargets(m)
	// node-b 5 ms, node-6 8 ms, node-a's two 30 ms (by instance ID).
	require.Equal(t, []string{
		"node-b.node.dc1.overlay.", "node-6.node.dc1.overlay.", "db.example.net.", "7f000909.addr.dc1.overlay.",
	}, targets)
	require.Equal(t, []uint16{9002, 9003, 9001, 9000}, ports)
	require.Equal(t, []string{
		"node-b.node.dc1.overlay. 127.0.0.11", "node-6.node.dc1.overlay. 2001:db8::6", "7f000909.addr.dc1.overlay. 127.0.9.9",
	}, addrs(m.Additionals), "a host name target has no additional record")

	m = s.ask(t, "mixed.service.overlay.", dnsmessage.TypeA)
	require.Equal(t, []string{"mixed.service.overlay. 127.0.0.11", "mixed.service.overlay. 127.0.9.9"}, addrs(m.Answers))
	m = s.ask(t, "mixed.service.overlay.", dnsmessage.TypeAAAA)
	require.Equal(t, []string{"mixed.service.overlay. 2001:db8::6"}, addrs(m.Answers))

	m = s.ask(t, "7f000909.addr.dc1.overlay.", dnsmessage.TypeA)
	require.Equal(t, []string{"7f000909.addr.dc1.overlay. 127.0.9.9"}, addrs(m.Answers))
	m = s.ask(t, "20010db8000000000000000000000006.addr.overlay.", dnsmessage.TypeAAAA)
	require.Equal(t, []string{"20010db8000000000000000000000006.addr.overlay. 2001:db8::6"}, addrs(m.Answers))
	require.Equal(t, dnsmessage.RCodeNameError, s.ask(t, "7f0009.addr.overlay.", dnsmessage.TypeA).RCode)
}

func TestDuplicateAddressesOnce(t *testing.T) {
	b := newBackend(t)
	// a second web on node-a's host, another port.
	rec, ok := b.View().Catalog.Get("node-a")
	require.True(t, ok)
	rec = rec.Clone()
	rec.Version++
	rec.Services = append(rec.Services, svc("web", "web-2", catalog.Passing, 8088))
	require.NoError(t, b.Apply(rec))
	s := startServer(t, Config{Backend: b})
	m := s.ask(t, "web.service.overlay.", dnsmessage.TypeA)
	require.Len(t, m.Answers, 5, "one A record per address")
	m = s.ask(t, "web.service.overlay.", dnsmessage.TypeSRV)
	targets, _, ports := srvTargets(m)
	require.Len(t, targets, 6, "one SRV record per instance")
	require.Equal(t, []uint16{8080, 8088}, ports[2:4])
	require.Len(t, m.Additionals, 5, "one address record per target")
}

func TestNegativeAnswers(t *testing.T) {
	s := startServer(t, Config{TTL: 30 * time.Second})
	for _, tc := range []struct {
		name  string
		qtype dnsmessage.Type
		rcode dnsmessage.RCode
	}{
		{"nosuch.service.overlay.", dnsmessage.TypeA, dnsmessage.RCodeNameError},
		{"a.b.c.d.overlay.", dnsmessage.TypeA, dnsmessage.RCodeNameError},
		{"x.y.web.service.overlay.", dnsmessage.TypeA, dnsmessage.RCodeNameError},
		{"_web.service.overlay.", dnsmessage.TypeSRV, dnsmessage.RCodeNameError},
		{"web.service.overlay.", dnsmessage.TypeAAAA, dnsmessage.RCodeSuccess}, // IPv4 only
		{"web.service.overlay.", dnsmessage.TypeTXT, dnsmessage.RCodeSuccess},
		{"node-h.node.overlay.", dnsmessage.TypeSRV, dnsmessage.RCodeSuccess},
		{"service.overlay.", dnsmessage.TypeA, dnsmessage.RCodeSuccess}, // names under it exist
		{"node.dc2.overlay.", dnsmessage.TypeA, dnsmessage.RCodeSuccess},
		{"dc2.overlay.", dnsmessage.TypeA, dnsmessage.RCodeSuccess},
		{"overlay.", dnsmessage.TypeA, dnsmessage.RCodeSuccess},
	} {
		m := s.ask(t, tc.name, tc.qtype)
		require.Equal(t, tc.rcode, m.RCode, "%s %v", tc.name, tc.qtype)
		require.Empty(t, m.Answers, tc.name)
		require.True(t, m.Authoritative, tc.name)
		soa := requireSOA(t, m)
		require.Equal(t, uint32(30), soa.MinTTL, "the negative TTL is the TTL")
	}
}

// requireSOA checks that m's authority section is the zone's SOA alone,
// and returns it.
func requireSOA(t *testing.T, m dnsmessage.Message) *dnsmessage.SOAResource {
	t.Helper()
	require.Len(t, m.Authorities, 1)
	require.Equal(t, "overlay.", m.Authorities[0].Header.Name.String())
	soa, ok := m.Authorities[0].Body.(*dnsmessage.SOAResource)
	require.True(t, ok, "%T", m.Authorities[0].Body)
	require.Equal(t, "ns.overlay.", soa.NS.String())
	return soa
}

func TestApexSOA(t *testing.T) {
	s := startServer(t, Config{Domain: "Consul.Example", TTL: 5 * time.Second})
	m := s.ask(t, "consul.example.", dnsmessage.TypeSOA)
	require.Len(t, m.Answers, 1)
	soa := m.Answers[0].Body.(*dnsmessage.SOAResource)
	require.Equal(t, "hostmaster.consul.example.", soa.MBox.String())
	require.Equal(t, uint32(5), m.Answers[0].Header.TTL)
	require.Equal(t, uint32(5), soa.MinTTL)
	m = s.ask(t, "web.service.consul.example.", dnsmessage.TypeA)
	require.Len(t, m.Answers, 5, "the configured domain")
	require.Equal(t, uint32(5), m.Answers[0].Header.TTL)
	require.Equal(t, dnsmessage.RCodeRefused, s.ask(t, "web.service.overlay.", dnsmessage.TypeA).RCode)
}

func TestErrors(t *testing.T) {
	s := startServer(t, Config{})
	m := s.ask(t, "example.com.", dnsmessage.TypeA)
	require.Equal(t, dnsmessage.RCodeRefused, m.RCode)
	require.False(t, m.Authoritative)
	require.Empty(t, m.Authorities)
	require.Equal(t, dnsmessage.RCodeRefused, s.ask(t, "xoverlay.", dnsmessage.TypeA).RCode)
	require.Equal(t, dnsmessage.RCodeRefused, s.ask(t, ".", dnsmessage.TypeNS).RCode)
	require.Equal(t, dnsmessage.RCodeNotImplemented, s.ask(t, "overlay.", dnsmessage.TypeAXFR).RCode)
	require.Equal(t, dnsmessage.RCodeNotImplemented, s.ask(t, "overlay.", typeIXFR).RCode)

	ask := func(m dnsmessage.Message) dnsmessage.Message {
		b, err := m.Pack()
		require.NoError(t, err)
		return unpack(t, exchangeUDP(t, s.udp, b))
	}
	q := dnsmessage.Question{Name: dnsmessage.MustNewName("web.service.overlay."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}
	got := ask(dnsmessage.Message{Header: dnsmessage.Header{ID: 7, OpCode: 2}, Questions: []dnsmessage.Question{q}})
	require.Equal(t, dnsmessage.RCodeNotImplemented, got.RCode, "opcode STATUS")
	require.Equal(t, uint16(7), got.ID)
	require.Equal(t, dnsmessage.OpCode(2), got.OpCode)
	chaos := q
	chaos.Class = dnsmessage.ClassCHAOS
	require.Equal(t, dnsmessage.RCodeNotImplemented, ask(dnsmessage.Message{Questions: []dnsmessage.Question{chaos}}).RCode)
	got = ask(dnsmessage.Message{Questions: []dnsmessage.Question{q, q}})
	require.Equal(t, dnsmessage.RCodeFormatError, got.RCode, "two questions")
	require.Equal(t, dnsmessage.RCodeFormatError, ask(dnsmessage.Message{}).RCode, "no question")
	any := q
	any.Class = dnsmessage.ClassANY
	require.Len(t, ask(dnsmessage.Message{Questions: []dnsmessage.Question{any}}).Answers, 5, "class ANY is IN")

	// A truncated message: the header and half a question.
	req := query(t, 9, "web.service.overlay.", dnsmessage.TypeA, 0)
	got = unpack(t, exchangeUDP(t, s.udp, req[:20]))
	require.Equal(t, dnsmessage.RCodeFormatError, got.RCode)
	require.Equal(t, uint16(9), got.ID)
	require.Positive(t, s.Stats().FormErr)
}

func TestEDNS(t *testing.T) {
	s := startServer(t, Config{})
	m := unpack(t, exchangeUDP(t, s.udp, query(t, 1, "web.service.overlay.", dnsmessage.TypeA, 4096)))
	require.Len(t, m.Answers, 5)
	opt := m.Additionals[len(m.Additionals)-1]
	require.Equal(t, dnsmessage.TypeOPT, opt.Header.Type, "an EDNS query gets an OPT record")
	require.Equal(t, dnsmessage.Class(DefaultMaxUDPSize), opt.Header.Class)

	// Version 1: BADVERS, 16, of which the header holds the low 4 bits.
	req := query(t, 2, "web.service.overlay.", dnsmessage.TypeA, 4096)
	var msg dnsmessage.Message
	require.NoError(t, msg.Unpack(req))
	msg.Additionals[0].Header.TTL |= 1 << 16
	req, err := msg.Pack()
	require.NoError(t, err)
	m = unpack(t, exchangeUDP(t, s.udp, req))
	require.Empty(t, m.Answers)
	opt = m.Additionals[len(m.Additionals)-1]
	require.Equal(t, rcodeBadVersion, opt.Header.ExtendedRCode(m.RCode))

	// Two OPT records: FORMERR.
	require.NoError(t, msg.Unpack(query(t, 3, "web.service.overlay.", dnsmessage.TypeA, 4096)))
	msg.Additionals = append(msg.Additionals, msg.Additionals[0])
	req, err = msg.Pack()
	require.NoError(t, err)
	require.Equal(t, dnsmessage.RCodeFormatError, unpack(t, exchangeUDP(t, s.udp, req)).RCode)
}

func TestResponsesAreNotAnswered(t *testing.T) {
	s := startServer(t, Config{})
	c := dialUDP(t, s.udp)
	resp := query(t, 1, "web.service.overlay.", dnsmessage.TypeA, 0)
	resp[2] |= 0x80 // QR: a response, which must not be answered, lest two servers loop
	_, err := c.Write(resp)
	require.NoError(t, err)
	_, err = c.Write([]byte{1, 2, 3}) // shorter than a header
	require.NoError(t, err)
	_, err = c.Write(query(t, 2, "web.service.overlay.", dnsmessage.TypeA, 0))
	require.NoError(t, err)
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	require.NoError(t, err)
	require.Equal(t, uint16(2), unpack(t, buf[:n]).ID, "the first answer is the valid query's")
	require.Equal(t, uint64(2), s.Stats().Dropped)
}

func TestMaxAnswers(t *testing.T) {
	s := startServer(t, Config{MaxAnswers: 2})
	m := s.ask(t, "web.service.overlay.", dnsmessage.TypeSRV)
	targets, _, _ := srvTargets(m)
	require.Equal(t, []string{"node-b.node.dc1.overlay.", "node-d.node.dc1.overlay."}, targets)
	require.False(t, m.Truncated, "a policy limit is no truncation")
}
