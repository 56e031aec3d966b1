package dns

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestConfigValidate(t *testing.T) {
	b := newBackend(t)
	require.NoError(t, Config{Backend: b}.Validate(), "the zero value but Backend is valid")
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no backend", Config{}},
		{"root domain", Config{Backend: b, Domain: "."}},
		{"empty label", Config{Backend: b, Domain: "a..b"}},
		{"bad character", Config{Backend: b, Domain: "over lay"}},
		{"long label", Config{Backend: b, Domain: "a234567890123456789012345678901234567890123456789012345678901234"}},
		{"negative TTL", Config{Backend: b, TTL: -time.Second}},
		{"fractional TTL", Config{Backend: b, TTL: 1500 * time.Millisecond}},
		{"huge TTL", Config{Backend: b, TTL: maxTTL + time.Second}},
		{"negative MaxAnswers", Config{Backend: b, MaxAnswers: -1}},
		{"small UDP", Config{Backend: b, MaxUDPSize: 511}},
		{"large UDP", Config{Backend: b, MaxUDPSize: 65536}},
		{"negative conns", Config{Backend: b, MaxTCPConns: -1}},
		{"negative idle", Config{Backend: b, TCPIdleTimeout: -time.Second}},
	} {
		err := tc.cfg.Validate()
		require.ErrorIs(t, err, ErrInvalidConfig, tc.name)
		_, err = New(tc.cfg)
		require.ErrorIs(t, err, ErrInvalidConfig, tc.name)
	}
}

func TestNewKeepsTheCallersConfig(t *testing.T) {
	cfg := Config{Backend: newBackend(t), Domain: "Overlay.Example"}
	s, err := New(cfg)
	require.NoError(t, err)
	require.Equal(t, "Overlay.Example", cfg.Domain)
	require.Empty(t, cfg.Addr)
	require.Equal(t, "overlay.example.", s.domain)
	require.Equal(t, DefaultAddr, s.cfg.Addr)
}
