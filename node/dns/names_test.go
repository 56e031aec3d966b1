package dns

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want lookup
		err  error
	}{
		{"overlay.", lookup{kind: apex}, nil},
		{"OVERLAY.", lookup{kind: apex}, nil},
		{"web.service.overlay.", lookup{kind: serviceName, service: "web"}, nil},
		{"Web.SERVICE.overlay.", lookup{kind: serviceName, service: "Web"}, nil},
		{"v1.web.service.overlay.", lookup{kind: serviceName, service: "web", tag: "v1"}, nil},
		{"web.service.dc2.overlay.", lookup{kind: serviceName, service: "web", dc: "dc2"}, nil},
		{"v1.web.service.dc2.overlay.", lookup{kind: serviceName, service: "web", tag: "v1", dc: "dc2"}, nil},
		{"_web._v1.service.overlay.", lookup{kind: serviceName, service: "web", tag: "v1"}, nil},
		{"_web._TCP.service.dc2.overlay.", lookup{kind: serviceName, service: "web", dc: "dc2"}, nil},
		{"_web.v1.service.overlay.", lookup{kind: serviceName, service: "v1", tag: "_web"}, nil},
		{"_._v1.service.overlay.", lookup{}, errNoName},
		{"_web._.service.overlay.", lookup{}, errNoName},
		{"a.b.web.service.overlay.", lookup{}, errNoName},
		{"n1.node.overlay.", lookup{kind: nodeName, node: "n1"}, nil},
		{"n1.node.dc1.overlay.", lookup{kind: nodeName, node: "n1", dc: "dc1"}, nil},
		{"x.n1.node.overlay.", lookup{}, errNoName},
		{"7f000001.addr.overlay.", lookup{kind: addrName, addr: netip.MustParseAddr("127.0.0.1")}, nil},
		{"7F000001.addr.dc1.overlay.", lookup{kind: addrName, addr: netip.MustParseAddr("127.0.0.1"), dc: "dc1"}, nil},
		{"zz000001.addr.overlay.", lookup{}, errNoName},
		{"7f00000.addr.overlay.", lookup{}, errNoName},
		{"service.overlay.", lookup{kind: interior}, nil},
		{"node.dc1.overlay.", lookup{kind: interior, dc: "dc1"}, nil},
		{"addr.overlay.", lookup{kind: interior}, nil},
		{"dc1.overlay.", lookup{kind: interior, dc: "dc1"}, nil},
		{"a.b.overlay.", lookup{}, errNoName},
		{"example.com.", lookup{}, errOutside},
		{"xoverlay.", lookup{}, errOutside},
		{"overlay.example.", lookup{}, errOutside},
		{".", lookup{}, errOutside},
	} {
		got, err := parseName(tc.name, "overlay.")
		require.ErrorIs(t, err, tc.err, tc.name)
		require.Equal(t, tc.want, got, tc.name)
	}
}

func TestParseNameUnderALongerDomain(t *testing.T) {
	got, err := parseName("web.service.dc1.Consul.Example.", "consul.example.")
	require.NoError(t, err)
	require.Equal(t, lookup{kind: serviceName, service: "web", dc: "dc1"}, got)
	_, err = parseName("web.service.example.", "consul.example.")
	require.ErrorIs(t, err, errOutside)
}

func TestHexAddrRoundTrip(t *testing.T) {
	for _, s := range []string{"127.0.0.1", "10.1.2.3", "2001:db8::6", "::1"} {
		a := netip.MustParseAddr(s)
		got, ok := parseHexAddr(hexAddr(a))
		require.True(t, ok, s)
		require.Equal(t, a, got, s)
	}
	require.Equal(t, "7f000001", hexAddr(netip.MustParseAddr("127.0.0.1")))
}
