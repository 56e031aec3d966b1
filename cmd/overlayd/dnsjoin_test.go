package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/overlay"
)

func TestParseDNSSeed(t *testing.T) {
	s, err := parseDNSSeed("dns+overlayd-seeds.overlayd.svc.cluster.local", 7946)
	require.NoError(t, err)
	require.Equal(t, dnsSeed{host: "overlayd-seeds.overlayd.svc.cluster.local", port: 7946}, s)
	require.Equal(t, "dns+overlayd-seeds.overlayd.svc.cluster.local:7946", s.String())

	s, err = parseDNSSeed("dns+seeds:8000", 7946)
	require.NoError(t, err)
	require.Equal(t, dnsSeed{host: "seeds", port: 8000}, s)

	for v, want := range map[string]string{
		"dns+":               "DNS name of 1 to 253 bytes",
		"dns+seeds:0":        `port "0"`,
		"dns+seeds:x":        `port "x"`,
		"dns+10.0.0.1":       "is an IP address",
		"dns+a..b":           `label ""`,
		"dns+a b":            `has ' '`,
		"dns+[::1]:7946":     "is an IP address",
		"dns+seeds:7946:1":   "has ':'",
		"dns+bad/name.local": "has '/'",
	} {
		_, err := parseDNSSeed(v, 7946)
		require.ErrorContains(t, err, want, v)
	}
}

func TestAgentConfigKeepsDNSSeedsWithTheirPort(t *testing.T) {
	cfg, err := parseAgent(t, "-node", "n", "-data-dir", "d", "-join", "10.0.0.1,dns+seeds.local", "-join", "dns+other:8000")
	require.NoError(t, err)
	require.Equal(t, []string{"10.0.0.1:7946", "dns+seeds.local:7946", "dns+other:8000"}, cfg.Join)
	addrs, names := splitSeeds(cfg.Join)
	require.Equal(t, []string{"10.0.0.1:7946"}, addrs)
	require.Equal(t, []dnsSeed{{"seeds.local", 7946}, {"other", 8000}}, names)

	_, err = parseAgent(t, "-node", "n", "-data-dir", "d", "-join", "dns+10.0.0.1")
	require.ErrorIs(t, err, errConfig)
	require.ErrorContains(t, err, "is an IP address")
}

func TestResolveSeedsTakesEveryAddressOfEveryName(t *testing.T) {
	answers := map[string][]string{
		"seeds":  {"10.0.0.2", "10.0.0.1", "::ffff:10.0.0.3", "fd00::1"},
		"others": {"10.0.0.1"},
	}
	lookup := func(_ context.Context, host string) ([]string, error) {
		if a, ok := answers[host]; ok {
			return a, nil
		}
		return nil, errors.New("no such host")
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	got := resolveSeeds(context.Background(), lookup, []dnsSeed{{"seeds", 7946}, {"missing", 7946}, {"others", 7946}}, log)
	require.Equal(t, []string{"10.0.0.1:7946", "10.0.0.2:7946", "10.0.0.3:7946", "[fd00::1]:7946"}, got)
}

func TestResolveSeedsWithTheSystemResolver(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	got := resolveSeeds(context.Background(), net.DefaultResolver.LookupHost, []dnsSeed{{"localhost", 7946}}, log)
	require.Contains(t, got, "127.0.0.1:7946")
}

func TestAbsentAddrsLeavesOutSelfAndLiveMembers(t *testing.T) {
	b, err := apitest.New(apitest.Config{Self: overlay.Peer{ID: "self", Addr: "10.0.0.9:7946"}})
	require.NoError(t, err)
	dead := apitest.Record("d", "10.0.0.2:7946", "dc1", nil)
	dead.Status = catalog.Dead
	suspect := apitest.Record("s", "10.0.0.3:7946", "dc1", nil)
	suspect.Status = catalog.Suspect
	require.NoError(t, b.Apply(apitest.Record("a", "10.0.0.1:7946", "dc1", nil), dead, suspect))

	resolved := []string{"10.0.0.1:7946", "10.0.0.2:7946", "10.0.0.3:7946", "10.0.0.4:7946", "10.0.0.9:7946"}
	require.ElementsMatch(t, []string{"10.0.0.2:7946", "10.0.0.4:7946"}, absentAddrs(resolved, b.View(), 3))
	require.Len(t, absentAddrs(resolved, b.View(), 1), 1)
}

func TestAnAgentJoinsThroughADNSName(t *testing.T) {
	certs := t.TempDir()
	_, err := runCLI(t, certs, "tls", "ca", "create")
	require.NoError(t, err)
	for _, n := range []string{"n1", "n2"} {
		_, err := runCLI(t, certs, "tls", "cert", "create", "-node", n)
		require.NoError(t, err)
	}
	n1, n2 := newAgentProc(t, "n1", certs), newAgentProc(t, "n2", certs)
	n1.start(t)
	_, port, err := net.SplitHostPort(n1.bind)
	require.NoError(t, err)
	n2.start(t, "dns+localhost:"+port)
	waitUntil(t, "n2 joined n1 through dns+localhost", func() bool {
		return everyoneSees(t, []*agentProc{n1, n2}, names(n1, n2), "alive")
	})
}
