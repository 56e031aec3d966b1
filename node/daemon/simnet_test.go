package daemon_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/quic-go/quic-go/testutils/simnet"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/daemon"
	"github.com/overlayd/overlayd/overlay/netem"
)

// startSimnetCluster starts cfg.Nodes agents on quic-go's simnet, node i
// on matrix host host(i): each link carries half the matrix RTT between
// the two ends' hosts. It must run inside a testing/synctest bubble, with
// cfg.NoAPI set. The returned stop ends the agents and the network.
func startSimnetCluster(t *testing.T, m *netem.RTTMatrix, host func(i int) int, cfg daemon.ClusterConfig) (c *daemon.Cluster, stop func()) {
	t.Helper()
	sn := &simnet.Simnet{Router: &simnet.PerfectRouter{}}
	hostOf := map[string]int{}
	// Every endpoint exists before the first packet: make them first.
	conns := make([]net.PacketConn, cfg.Nodes)
	for i := range conns {
		addr := &net.UDPAddr{IP: net.IPv4(10, 0, byte(i>>8), byte(i)), Port: 7946}
		hostOf[addr.String()] = host(i)
		conns[i] = sn.NewEndpoint(addr, simnet.NodeBiDiLinkSettings{
			LatencyFunc: func(p simnet.Packet) time.Duration {
				return m.RTTOrMedian(hostOf[p.From.String()], host(i)) / 2
			},
		})
	}
	require.NoError(t, sn.Start())
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Listen = func(i int) (net.PacketConn, error) { return conns[i], nil }
	c, err := daemon.StartCluster(ctx, cfg)
	require.NoError(t, err)
	return c, func() {
		cancel()
		c.Kill()
		require.NoError(t, sn.Close())
	}
}

// waitVirtual checks cond every step of the bubble's virtual time until
// it holds, failing once limit has passed, and returns how long it took.
func waitVirtual(t *testing.T, what string, limit, step time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	tick := time.NewTicker(step)
	defer tick.Stop()
	for !cond() {
		require.Less(t, time.Since(start), limit, what)
		<-tick.C // the virtual clock moves on once every goroutine waits
	}
	return time.Since(start)
}
