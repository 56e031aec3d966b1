package plumtree

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/overlayd/overlayd/overlay"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewFillsDefaultsWithoutTouchingCaller(t *testing.T) {
	cfg := testConfig(self, 1)
	before := cfg
	n, err := New(cfg)
	require.NoError(t, err)
	assert.Equal(t, before, cfg, "caller's config modified")

	got := n.cfg
	assert.Equal(t, DefaultGraftTimeout, got.GraftTimeout)
	assert.Equal(t, DefaultSecondGraftTimeout, got.SecondGraftTimeout)
	assert.Zero(t, got.IHaveFlushInterval, "immediate flush is the default")
	assert.Equal(t, DefaultMaxIHaveEntries, got.MaxIHaveEntries)
	assert.Equal(t, DefaultCacheTTL, got.CacheTTL)
	assert.Equal(t, DefaultMaxPayloadBytes, got.MaxPayloadBytes)
	assert.Equal(t, DefaultMaxCacheEntries, got.MaxCacheEntries)
	assert.Equal(t, DefaultMaxCacheBytes, got.MaxCacheBytes)
	assert.Equal(t, defaultSeenTTLFactor*DefaultCacheTTL, got.SeenTTL)
	assert.Equal(t, defaultSeenEntriesFactor*DefaultMaxCacheEntries, got.MaxSeenEntries)
	assert.Equal(t, DefaultMaxMissing, got.MaxMissing)
	assert.Equal(t, DefaultOptimizationThreshold, got.OptimizationThreshold)
	assert.False(t, got.LatencyOptimization)
	assert.Equal(t, DefaultLatencyMargin, got.LatencyMargin)
	assert.Equal(t, DefaultOptimizationCooldown, got.OptimizationCooldown)
}

func TestSeenDefaultsFollowCacheSettings(t *testing.T) {
	cfg := testConfig(self, 1)
	cfg.CacheTTL = time.Minute
	cfg.MaxCacheEntries = 50
	n, err := New(cfg)
	require.NoError(t, err)
	assert.Equal(t, defaultSeenTTLFactor*time.Minute, n.cfg.SeenTTL)
	assert.Equal(t, defaultSeenEntriesFactor*50, n.cfg.MaxSeenEntries)
}

func TestValidateRejectsNonsense(t *testing.T) {
	rttHook := func(overlay.NodeID) (time.Duration, bool) { return 0, false }
	tests := []struct {
		name   string
		modify func(*Config)
	}{
		{"empty Self", func(c *Config) { c.Self = "" }},
		{"nil Rand", func(c *Config) { c.Rand = nil }},
		{"negative GraftTimeout", func(c *Config) { c.GraftTimeout = -time.Second }},
		{"negative SecondGraftTimeout", func(c *Config) { c.SecondGraftTimeout = -1 }},
		{"negative IHaveFlushInterval", func(c *Config) { c.IHaveFlushInterval = -1 }},
		{"negative MaxIHaveEntries", func(c *Config) { c.MaxIHaveEntries = -1 }},
		{"MaxIHaveEntries above codec limit", func(c *Config) { c.MaxIHaveEntries = overlay.DefaultMaxArrayElements + 1 }},
		{"negative CacheTTL", func(c *Config) { c.CacheTTL = -1 }},
		{"CacheTTL within graft timers", func(c *Config) { c.CacheTTL = DefaultGraftTimeout + DefaultSecondGraftTimeout }},
		{"negative MaxPayloadBytes", func(c *Config) { c.MaxPayloadBytes = -1 }},
		{"MaxPayloadBytes above the frame limit", func(c *Config) { c.MaxPayloadBytes = overlay.DefaultMaxFrameBytes + 1 }},
		{"negative MaxCacheEntries", func(c *Config) { c.MaxCacheEntries = -1 }},
		{"negative MaxCacheBytes", func(c *Config) { c.MaxCacheBytes = -1 }},
		{"SeenTTL below CacheTTL", func(c *Config) { c.SeenTTL = DefaultCacheTTL - time.Second }},
		{"MaxSeenEntries below MaxCacheEntries", func(c *Config) { c.MaxSeenEntries = DefaultMaxCacheEntries - 1 }},
		{"negative MaxMissing", func(c *Config) { c.MaxMissing = -1 }},
		{"negative LatencyMargin", func(c *Config) { c.LatencyMargin = -1 }},
		{"negative OptimizationCooldown", func(c *Config) { c.OptimizationCooldown = -1 }},
		{"EstimateRTT without LatencyOptimization", func(c *Config) { c.EstimateRTT = rttHook }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Self: self, Rand: rand.New(rand.NewPCG(1, 2))}
			tt.modify(&cfg)
			require.ErrorIs(t, cfg.Validate(), ErrInvalidConfig)
			_, err := New(cfg)
			require.ErrorIs(t, err, ErrInvalidConfig)
		})
	}
}

func TestValidateAcceptsDocumentedSpecialValues(t *testing.T) {
	cfg := testConfig(self, 1)
	cfg.OptimizationThreshold = -1 // hop rule off
	cfg.LatencyOptimization = true
	cfg.EstimateRTT = func(overlay.NodeID) (time.Duration, bool) { return 0, false }
	require.NoError(t, cfg.Validate())
	assert.False(t, cfg.withDefaults().hopRuleEnabled())
}
