package vivaldi

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"defaults", func(*Config) {}, ""},
		{"everything set", func(c *Config) {
			*c = Config{Rand: c.Rand, Dimensionality: 3, VivaldiErrorMax: 2, VivaldiCE: 1, VivaldiCC: 0.1,
				AdjustmentWindowSize: 5, HeightMin: time.Millisecond, LatencyFilterSize: 5,
				GravityRho: time.Second, MaxPeers: 1, SmoothingWindow: 1}
		}, ""},
		{"no rand", func(c *Config) { c.Rand = nil }, "Rand is nil"},
		{"negative dimensionality", func(c *Config) { c.Dimensionality = -1 }, "Dimensionality"},
		{"huge dimensionality", func(c *Config) { c.Dimensionality = maxDimensionality + 1 }, "Dimensionality"},
		{"negative error max", func(c *Config) { c.VivaldiErrorMax = -1 }, "VivaldiErrorMax"},
		{"NaN error max", func(c *Config) { c.VivaldiErrorMax = math.NaN() }, "VivaldiErrorMax"},
		{"infinite error max", func(c *Config) { c.VivaldiErrorMax = math.Inf(1) }, "VivaldiErrorMax"},
		{"ce above one", func(c *Config) { c.VivaldiCE = 1.5 }, "VivaldiCE"},
		{"NaN ce", func(c *Config) { c.VivaldiCE = math.NaN() }, "VivaldiCE"},
		{"negative cc", func(c *Config) { c.VivaldiCC = -0.25 }, "VivaldiCC"},
		{"negative window", func(c *Config) { c.AdjustmentWindowSize = -20 }, "AdjustmentWindowSize"},
		{"huge window", func(c *Config) { c.AdjustmentWindowSize = maxAdjustmentWindow + 1 }, "AdjustmentWindowSize"},
		{"negative height", func(c *Config) { c.HeightMin = -time.Microsecond }, "HeightMin"},
		{"height above max RTT", func(c *Config) { c.HeightMin = MaxRTT }, "HeightMin"},
		{"negative filter", func(c *Config) { c.LatencyFilterSize = -3 }, "LatencyFilterSize"},
		{"huge filter", func(c *Config) { c.LatencyFilterSize = maxLatencyFilterSize + 1 }, "LatencyFilterSize"},
		{"negative rho", func(c *Config) { c.GravityRho = -time.Second }, "GravityRho"},
		{"negative max peers", func(c *Config) { c.MaxPeers = -1 }, "MaxPeers"},
		{"negative smoothing", func(c *Config) { c.SmoothingWindow = -1 }, "SmoothingWindow"},
		{"huge smoothing", func(c *Config) { c.SmoothingWindow = maxSmoothingWindow + 1 }, "SmoothingWindow"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Rand: rand.New(rand.NewPCG(1, 1))}
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

func TestNewFillsDefaultsWithoutModifyingCallerConfig(t *testing.T) {
	cfg := Config{Rand: rand.New(rand.NewPCG(1, 1)), VivaldiCC: 0.5}
	before := cfg
	n, err := New(cfg)
	require.NoError(t, err)
	require.Equal(t, before, cfg)

	want := Config{
		Rand:                 cfg.Rand,
		Dimensionality:       DefaultDimensionality,
		VivaldiErrorMax:      DefaultVivaldiErrorMax,
		VivaldiCE:            DefaultVivaldiCE,
		VivaldiCC:            0.5,
		AdjustmentWindowSize: DefaultAdjustmentWindowSize,
		HeightMin:            DefaultHeightMin,
		LatencyFilterSize:    DefaultLatencyFilterSize,
		GravityRho:           DefaultGravityRho,
		MaxPeers:             DefaultMaxPeers,
		SmoothingWindow:      DefaultSmoothingWindow,
	}
	require.Equal(t, want, n.cfg)

	origin := n.Coordinate()
	require.Equal(t, make([]float64, DefaultDimensionality), origin.Vec)
	require.Equal(t, DefaultVivaldiErrorMax, origin.Error)
	require.Equal(t, DefaultHeightMin.Seconds(), origin.Height)
	require.Zero(t, origin.Adjustment)
	require.NoError(t, origin.Validate(DefaultDimensionality))
}
