package hyparview

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConfigValidate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"defaults", func(*Config) {}, ""},
		{"no self", func(c *Config) { c.Self.ID = "" }, "Self"},
		{"no rand", func(c *Config) { c.Rand = nil }, "Rand is nil"},
		{"negative active", func(c *Config) { c.ActiveSize = -1 }, "ActiveSize"},
		{"negative passive", func(c *Config) { c.PassiveSize = -3 }, "PassiveSize"},
		{"PRWL above ARWL", func(c *Config) { c.ARWL = 2; c.PRWL = 3 }, "PRWL"},
		{"ARWL too long for the wire", func(c *Config) { c.ARWL = 300 }, "ARWL"},
		{"huge shuffle", func(c *Config) { c.ShufflePassive = 100 }, "shuffle sample"},
		{"negative interval", func(c *Config) { c.ShuffleInterval = -1 }, "ShuffleInterval"},
		{"negative timeout", func(c *Config) { c.NeighborTimeout = -1 }, "NeighborTimeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Self: peer(0), Rand: rng}
			tc.mutate(&cfg)
			err := cfg.Validate()
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidConfig)
			require.ErrorContains(t, err, tc.wantErr)
			_, err = New(cfg)
			require.ErrorIs(t, err, ErrInvalidConfig)
		})
	}
}

func TestNewDoesNotModifyCallerConfig(t *testing.T) {
	cfg := Config{Self: peer(0), Rand: rand.New(rand.NewPCG(1, 1))}
	before := cfg
	n, err := New(cfg)
	require.NoError(t, err)
	require.Equal(t, before, cfg)
	require.Equal(t, DefaultActiveSize, n.cfg.ActiveSize)
	require.Equal(t, DefaultPassiveSize, n.cfg.PassiveSize)
	require.Equal(t, DefaultARWL, n.cfg.ARWL)
	require.Equal(t, DefaultPRWL, n.cfg.PRWL)
	require.Equal(t, DefaultShuffleActive, n.cfg.ShuffleActive)
	require.Equal(t, DefaultShufflePassive, n.cfg.ShufflePassive)
}
