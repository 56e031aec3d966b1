package apitest

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/services"
)

// Serve starts an Env and serves its API on a loopback port until the test
// ends, through Server.Serve, and returns the Env and the port's address.
// The cleanup checks that the server and the Manager stopped cleanly.
func Serve(t testing.TB, bcfg Config, scfg services.Config, acfg api.Config) (*Env, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	env, err := NewEnv(ctx, bcfg, scfg, acfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- env.Server.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-served)
		require.NoError(t, <-env.Done)
	})
	return env, ln.Addr().String()
}
