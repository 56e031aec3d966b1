package client_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/api/client"
)

func TestSelfDescribesTheLocalAgent(t *testing.T) {
	env, addr := serve(t, "")
	require.NoError(t, env.Backend.Apply(
		apitest.Record("a", "10.0.0.1:7946", "dc1", nil),
		apitest.Record("b", "10.1.0.1:7946", "dc2", nil),
	))
	self, err := (&client.Client{Addr: addr}).Self(context.Background())
	require.NoError(t, err)
	require.Equal(t, "self", self.Name)
	require.Equal(t, "dc1", self.Datacenter)
	require.Equal(t, "127.0.0.1", self.Addr)
	require.Equal(t, uint16(7946), self.Port)
	require.Equal(t, uint64(1), self.Incarnation)
	require.Equal(t, 3, self.Members)
}

func TestSelfOfNoAgentIsUnreachable(t *testing.T) {
	_, err := (&client.Client{Addr: "127.0.0.1:1"}).Self(context.Background())
	require.ErrorIs(t, err, client.ErrUnreachable)
}
