package dns

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// testDim is the dimensionality of the test coordinates: 2, so that
// distances are worked out by hand.
const testDim = 2

// ms is a coordinate x ms from the origin along the first axis, y along
// the second: its estimated RTT from this agent, at the origin, is
// √(x²+y²) ms.
func ms(x, y float64) *vivaldi.Coordinate {
	return &vivaldi.Coordinate{Vec: []float64{x / 1000, y / 1000}}
}

func svc(name, id string, h catalog.Health, port uint16, tags ...string) catalog.Service {
	return catalog.Service{ID: id, Name: name, Port: port, Health: h, Tags: tags}
}

// newBackend returns a fake backend of agent "self" in dc1 at the origin,
// holding the fixture every test here reads:
//
//	dc1  web on node-a 30 ms (tag v1), node-b 5 ms (v2), node-c 50 ms (v1),
//	     node-d 12 ms (v1, a suspect member), node-e 80 ms; and a critical
//	     web on node-f at 1 ms and node-g, dead, at 2 ms, both left out;
//	     mixed on node-b, node-6 (an IPv6 member, 8 ms), and two instances
//	     of node-a with addresses of their own: 127.0.9.9 and a host name
//	dc2  api on node-h 100 ms and node-i 60 ms, web on node-h
//	dc3  api on node-j 200 ms
//	node-left, left, at 3 ms with web.
func newBackend(t testing.TB) *apitest.Backend {
	t.Helper()
	b, err := apitest.New(apitest.Config{
		Self:       overlay.Peer{ID: "self", Addr: "127.0.0.1:7946"},
		Coordinate: *ms(0, 0),
		Catalog:    catalog.Config{Dimensionality: testDim},
	})
	require.NoError(t, err)
	p := catalog.Passing
	mixedOwn := svc("mixed", "mixed-own", p, 9000)
	mixedOwn.Address = "127.0.9.9"
	mixedHost := svc("mixed", "mixed-host", p, 9001)
	mixedHost.Address = "db.example.net"
	recs := []catalog.Record{
		apitest.Record("node-a", "127.0.0.10:7946", "dc1", ms(30, 0), mixedHost, mixedOwn, svc("web", "web-1", p, 8080, "v1")),
		apitest.Record("node-b", "127.0.0.11:7946", "dc1", ms(0, 5), svc("mixed", "mixed-1", p, 9002), svc("web", "web-1", p, 8081, "v2")),
		apitest.Record("node-c", "127.0.0.12:7946", "dc1", ms(-50, 0), svc("web", "web-1", p, 8082, "v1")),
		apitest.Record("node-d", "127.0.0.13:7946", "dc1", ms(0, -12), svc("web", "web-1", p, 8083, "v1")),
		apitest.Record("node-e", "127.0.0.14:7946", "dc1", ms(80, 0), svc("web", "web-1", p, 8084)),
		apitest.Record("node-f", "127.0.0.15:7946", "dc1", ms(1, 0), svc("web", "web-1", catalog.Critical, 8085)),
		apitest.Record("node-g", "127.0.0.16:7946", "dc1", ms(2, 0), svc("web", "web-1", p, 8086)),
		apitest.Record("node-6", "[2001:db8::6]:7946", "dc1", ms(8, 0), svc("mixed", "mixed-1", p, 9003)),
		apitest.Record("node-h", "127.0.1.10:7946", "dc2", ms(0, 100), svc("api", "api-1", p, 7000), svc("web", "web-1", p, 8090)),
		apitest.Record("node-i", "127.0.1.11:7946", "dc2", ms(0, 60), svc("api", "api-1", p, 7001)),
		apitest.Record("node-j", "127.0.2.10:7946", "dc3", ms(0, -200), svc("api", "api-1", p, 7002)),
		apitest.Record("node-left", "127.0.0.17:7946", "dc1", ms(3, 0), svc("web", "web-1", p, 8087)),
	}
	recs[3].Status = catalog.Suspect
	recs[6].Status = catalog.Dead
	recs[11].Status = catalog.Left
	require.NoError(t, b.Apply(recs...))
	return b
}

// testServer is a Server running on loopback, UDP and TCP on their own
// ports.
type testServer struct {
	*Server
	udp, tcp string
}

// startServer serves cfg over a fresh fixture backend unless cfg has one;
// the server stops when the test ends.
func startServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	if cfg.Backend == nil {
		cfg.Backend = newBackend(t)
	}
	s, err := New(cfg)
	require.NoError(t, err)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, pc, ln) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return &testServer{Server: s, udp: pc.LocalAddr().String(), tcp: ln.Addr().String()}
}

// query builds a query for name and type, with an EDNS(0) payload size if
// edns > 0.
func query(t testing.TB, id uint16, name string, qtype dnsmessage.Type, edns int) []byte {
	t.Helper()
	m := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: id, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName(name), Type: qtype, Class: dnsmessage.ClassINET}},
	}
	if edns > 0 {
		var h dnsmessage.ResourceHeader
		require.NoError(t, h.SetEDNS0(edns, dnsmessage.RCodeSuccess, false))
		m.Additionals = []dnsmessage.Resource{{Header: h, Body: &dnsmessage.OPTResource{}}}
	}
	b, err := m.Pack()
	require.NoError(t, err)
	return b
}

// exchangeUDP sends req over UDP and returns the raw answer.
func exchangeUDP(t testing.TB, addr string, req []byte) []byte {
	t.Helper()
	c := dialUDP(t, addr)
	_, err := c.Write(req)
	require.NoError(t, err)
	buf := make([]byte, 65535)
	n, err := c.Read(buf)
	require.NoError(t, err)
	return buf[:n]
}

// ask sends a query for name over UDP, without EDNS, and returns the
// parsed answer.
func (s *testServer) ask(t testing.TB, name string, qtype dnsmessage.Type) dnsmessage.Message {
	t.Helper()
	return unpack(t, exchangeUDP(t, s.udp, query(t, 42, name, qtype, 0)))
}

func unpack(t testing.TB, b []byte) dnsmessage.Message {
	t.Helper()
	var m dnsmessage.Message
	require.NoError(t, m.Unpack(b))
	return m
}

// srvTargets returns the targets of the SRV answers, in order, with
// their priorities and ports.
func srvTargets(m dnsmessage.Message) (targets []string, priorities, ports []uint16) {
	for _, rr := range m.Answers {
		if srv, ok := rr.Body.(*dnsmessage.SRVResource); ok {
			targets = append(targets, srv.Target.String())
			priorities = append(priorities, srv.Priority)
			ports = append(ports, srv.Port)
		}
	}
	return targets, priorities, ports
}

// addrs returns the A and AAAA records of a section as "name ip".
func addrs(rrs []dnsmessage.Resource) []string {
	var out []string
	for _, rr := range rrs {
		switch b := rr.Body.(type) {
		case *dnsmessage.AResource:
			out = append(out, rr.Header.Name.String()+" "+net.IP(b.A[:]).String())
		case *dnsmessage.AAAAResource:
			out = append(out, rr.Header.Name.String()+" "+net.IP(b.AAAA[:]).String())
		}
	}
	return out
}

// dialUDP returns a UDP socket connected to addr, with a deadline.
func dialUDP(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("udp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
	return c
}
