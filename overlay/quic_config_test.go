package overlay

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigValidate(t *testing.T) {
	id, err := newTestCA(t).Identity("n", CertOptions{})
	require.NoError(t, err)
	valid := Config{Identity: id, Registry: NewRegistry()}
	require.NoError(t, valid.Validate())

	tests := map[string]func(*Config){
		"no identity":                  func(c *Config) { c.Identity = nil },
		"no registry":                  func(c *Config) { c.Registry = nil },
		"bad limits":                   func(c *Config) { c.Limits.MaxNestedLevels = 2 },
		"negative max connections":     func(c *Config) { c.MaxConnections = -1 },
		"negative per address":         func(c *Config) { c.MaxConnectionsPerAddress = -1 },
		"negative handshake rate":      func(c *Config) { c.MaxHandshakesPerSecond = -1 },
		"negative peer message rate":   func(c *Config) { c.MaxPeerMessagesPerSecond = -1 },
		"negative queue":               func(c *Config) { c.MaxQueueMessages = -1 },
		"negative handshake timeout":   func(c *Config) { c.HandshakeTimeout = -time.Second },
		"negative idle timeout":        func(c *Config) { c.IdleTimeout = -time.Second },
		"negative event buffer":        func(c *Config) { c.EventBuffer = -1 },
		"advertise too long":           func(c *Config) { c.Advertise = string(make([]byte, MaxAddrLen+1)) },
		"queue smaller than one frame": func(c *Config) { c.MaxQueueBytes = DefaultMaxFrameBytes - 1 },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			c := valid
			mutate(&c)
			require.ErrorIs(t, c.Validate(), ErrInvalidConfig)
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	d := Config{Limits: Limits{MaxFrameBytes: 1000}}.withDefaults()
	assert.Equal(t, DefaultMaxConnections, d.MaxConnections)
	assert.Equal(t, DefaultMaxConnectionsPerAddress, d.MaxConnectionsPerAddress)
	assert.Equal(t, DefaultMaxHandshakesPerSecond, d.MaxHandshakesPerSecond)
	assert.Equal(t, DefaultMaxPeerMessagesPerSecond, d.MaxPeerMessagesPerSecond)
	assert.Equal(t, DefaultMaxQueueMessages, d.MaxQueueMessages)
	assert.Equal(t, 4000, d.MaxQueueBytes, "four of the largest frames")
	assert.Equal(t, DefaultHandshakeTimeout, d.HandshakeTimeout)
	assert.Equal(t, DefaultIdleTimeout, d.IdleTimeout)
	assert.Equal(t, DefaultEventBuffer, d.EventBuffer)
	assert.Equal(t, Class{Priority: PriorityPayload}, d.Classifier(wireEmpty{}))
	assert.Equal(t, DefaultMaxNestedLevels, d.Limits.MaxNestedLevels)
}

func TestNewQUICTransportRefusesWildcardWithoutAdvertise(t *testing.T) {
	id, err := newTestCA(t).Identity("n", CertOptions{})
	require.NoError(t, err)
	_, err = ListenQUICTransport("0.0.0.0:0", Config{Identity: id, Registry: NewRegistry()})
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Equal(t, "overlayd/1", ALPN())
}
