package client_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/api/client"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/clock"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/vivaldi"
)

// serve runs an API server with token on a loopback port until the test
// ends, through Server.Serve.
func serve(t *testing.T, token string) (*apitest.Env, string) {
	return apitest.Serve(t, apitest.Config{Catalog: catalog.Config{Dimensionality: 2}},
		services.Config{Clock: clock.NewFake(time.Unix(0, 0))}, api.Config{Token: token})
}

func coord(x, y float64) *vivaldi.Coordinate { return &vivaldi.Coordinate{Vec: []float64{x, y}} }

func TestClient(t *testing.T) {
	env, addr := serve(t, "tok")
	ctx := context.Background()
	c := &client.Client{Addr: addr, Token: "tok"}
	require.NoError(t, env.Backend.Apply(
		apitest.Record("a", "10.0.0.1:7946", "dc1", coord(0.03, 0.04), catalog.Service{ID: "web-1", Name: "web", Port: 80, Health: catalog.Passing}),
		apitest.Record("b", "10.1.0.1:7946", "dc2", nil),
	))

	members, err := c.Members(ctx)
	require.NoError(t, err)
	require.Len(t, members, 3)
	require.Equal(t, client.Member{Name: "a", Addr: "10.0.0.1", Port: 7946, Datacenter: "dc1", Status: "alive", Incarnation: 1, RTT: 50 * time.Millisecond, RTTKnown: true}, members[0])
	require.False(t, members[1].RTTKnown)

	est, err := c.RTT(ctx, "", "a")
	require.NoError(t, err)
	require.InDelta(t, 0.05, est.EstimatedRTTSeconds, 1e-9)
	_, err = c.RTT(ctx, "", "nobody")
	require.True(t, client.IsNotFound(err))
	var apiErr *client.Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, "to", apiErr.Field)

	def, err := services.Parse([]byte(`{"ID":"api-1","Name":"api","Port":9000,"Check":{"TTL":"1m","Status":"warning"}}`))
	require.NoError(t, err)
	require.NoError(t, c.RegisterService(ctx, def))
	svcs, err := c.Services(ctx)
	require.NoError(t, err)
	require.Len(t, svcs, 1)
	require.Equal(t, "api", svcs[0].Name)
	require.Equal(t, "warning", svcs[0].Health)
	require.Equal(t, "service:api-1", svcs[0].Checks[0].ID)
	names, err := c.CatalogServices(ctx, "")
	require.NoError(t, err)
	require.Contains(t, names, "api")
	require.Contains(t, names, "web")

	ans, err := c.Nearest(ctx, "web", client.NearestOptions{N: 1})
	require.NoError(t, err)
	require.Equal(t, "a", ans.Instances[0].Node)

	require.NoError(t, c.DeregisterService(ctx, "api-1"))
	require.True(t, client.IsNotFound(c.DeregisterService(ctx, "api-1")))

	require.NoError(t, c.Join(ctx, "10.0.0.9:7946", "[::1]:7946"))
	require.Equal(t, []string{"10.0.0.9:7946", "[::1]:7946"}, env.Backend.Joined())
	require.NoError(t, c.Leave(ctx))

	// Without the token, writes are refused with the server's reason.
	err = (&client.Client{Addr: addr}).Leave(ctx)
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 403, apiErr.StatusCode)
	require.Contains(t, apiErr.Message, "ACL token")
}

func TestClientUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	_, err = (&client.Client{Addr: addr}).Members(context.Background())
	require.ErrorIs(t, err, client.ErrUnreachable)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = (&client.Client{Addr: addr}).Members(ctx)
	require.True(t, errors.Is(err, context.Canceled))
}

func TestZeroClientUsesTheDefaultAddress(t *testing.T) {
	ln, err := net.Listen("tcp", api.DefaultAddr)
	if err != nil {
		t.Skipf("the default address is taken here: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := apitest.NewEnv(ctx, apitest.Config{}, services.Config{}, api.Config{})
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- env.Server.Serve(ctx, ln) }()
	var zero client.Client
	members, err := zero.Members(ctx)
	require.NoError(t, err)
	require.Equal(t, "self", members[0].Name)
	cancel()
	require.NoError(t, <-served)
}
