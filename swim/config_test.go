package swim

import (
	"math/rand/v2"
	"testing"
	"time"

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
		{"negative interval", func(c *Config) { c.ProbeInterval = -1 }, "ProbeInterval"},
		{"interval too long", func(c *Config) { c.ProbeInterval = 2 * time.Hour }, "ProbeInterval"},
		{"timeout too long", func(c *Config) { c.ProbeTimeout = 2 * time.Hour }, "ProbeTimeout"},
		{"negative timeout", func(c *Config) { c.ProbeTimeout = -1 }, "ProbeTimeout"},
		{"negative indirect checks", func(c *Config) { c.IndirectChecks = -1 }, "IndirectChecks"},
		{"too many indirect checks", func(c *Config) { c.IndirectChecks = 17 }, "IndirectChecks"},
		{"negative suspicion timeout", func(c *Config) { c.SuspicionTimeout = -1 }, "SuspicionTimeout"},
		{"negative min probe timeout", func(c *Config) { c.MinProbeTimeout = -1 }, "MinProbeTimeout"},
		{"min probe timeout above the initial", func(c *Config) { c.MinProbeTimeout = 2 * time.Second }, "MinProbeTimeout"},
		{"negative confirmations", func(c *Config) { c.SuspicionConfirmations = -1 }, "SuspicionConfirmations"},
		{"too many confirmations", func(c *Config) { c.SuspicionConfirmations = 17 }, "SuspicionConfirmations"},
		{"huge max timeout mult", func(c *Config) { c.SuspicionMaxTimeoutMult = 1000 }, "SuspicionMaxTimeoutMult"},
		{"negative local health", func(c *Config) { c.MaxLocalHealth = -1 }, "MaxLocalHealth"},
		{"huge local health", func(c *Config) { c.MaxLocalHealth = 65 }, "MaxLocalHealth"},
		{"local health off", func(c *Config) { c.MaxLocalHealth = 1 }, ""},
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
	require.Equal(t, DefaultProbeInterval, n.cfg.ProbeInterval)
	require.Equal(t, DefaultProbeTimeout, n.cfg.ProbeTimeout)
	require.Equal(t, DefaultIndirectChecks, n.cfg.IndirectChecks)
	require.Equal(t, DefaultMinProbeTimeout, n.cfg.MinProbeTimeout)
	require.Equal(t, DefaultSuspicionTimeout, n.cfg.SuspicionTimeout)
	require.Equal(t, DefaultSuspicionConfirmations, n.cfg.SuspicionConfirmations)
	require.Equal(t, DefaultSuspicionMaxTimeoutMult, n.cfg.SuspicionMaxTimeoutMult)
	require.Equal(t, DefaultMaxLocalHealth, n.cfg.MaxLocalHealth)
}

func TestLocalHealthDisabled(t *testing.T) {
	n := newTestNode(t, peers(1), func(c *Config) { c.MaxLocalHealth = 1 })
	startProbe(t, n, epoch)
	n.Tick(epoch.Add(verdictAfter))
	require.Zero(t, n.LocalHealth(), "a failure leaves the score at 0")
}
