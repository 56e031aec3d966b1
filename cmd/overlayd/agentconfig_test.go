package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parseAgent parses args as `overlayd agent` would and returns the config.
func parseAgent(t *testing.T, args ...string) (agentConfig, error) {
	t.Helper()
	var f agentFlags
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.register(fs)
	require.NoError(t, fs.Parse(args))
	return f.config()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestAgentConfigDefaults(t *testing.T) {
	cfg, err := parseAgent(t, "-node", "n1", "-data-dir", "/tmp/x", "-bind", "127.0.0.1:7946")
	require.NoError(t, err)
	assert.Equal(t, "n1", cfg.NodeName)
	assert.Equal(t, "dc1", cfg.Datacenter)
	assert.Equal(t, "127.0.0.1:7946", cfg.AdvertiseAddr, "a specific bind address is advertised as it is")
	assert.Equal(t, "127.0.0.1:7947", cfg.APIAddr)
	assert.Equal(t, "127.0.0.1:7953", cfg.DNSAddr)
	assert.Equal(t, "info", cfg.LogLevel)
	assert.Empty(t, cfg.Join)
}

func TestAgentConfigFlagsOverrideTheFile(t *testing.T) {
	file := writeFile(t, "agent.json", `{
  "node_name": "from-file",
  "datacenter": "east",
  "bind_addr": "127.0.0.2:8000",
  "retry_join": ["127.0.0.3", "127.0.0.4:9000"],
  "data_dir": "/var/lib/overlayd",
  "log_json": true
}`)
	cfg, err := parseAgent(t, "-node", "from-flag", "-config-file", file)
	require.NoError(t, err)
	assert.Equal(t, "from-flag", cfg.NodeName, "a flag wins over the file, before or after -config-file")
	assert.Equal(t, "east", cfg.Datacenter)
	assert.Equal(t, "127.0.0.2:8000", cfg.AdvertiseAddr)
	assert.Equal(t, []string{"127.0.0.3:7946", "127.0.0.4:9000"}, cfg.Join, "a join address without port gets 7946")
	assert.True(t, cfg.LogJSON)

	cfg, err = parseAgent(t, "-config-file", file, "-join", "127.0.0.9", "-join", "127.0.0.10:1,127.0.0.11")
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.9:7946", "127.0.0.10:1", "127.0.0.11:7946"}, cfg.Join,
		"-join on the command line replaces the file's list")
}

func TestAgentConfigAdvertise(t *testing.T) {
	cfg, err := parseAgent(t, "-node", "n", "-data-dir", "d", "-bind", "0.0.0.0:7000", "-advertise", "10.1.2.3")
	require.NoError(t, err)
	assert.Equal(t, "10.1.2.3:7000", cfg.AdvertiseAddr, "the bind port when the advertise address has none")

	_, err = parseAgent(t, "-node", "n", "-data-dir", "d", "-advertise", "0.0.0.0:1")
	assert.ErrorIs(t, err, errConfig)
	assert.ErrorContains(t, err, "reachable")
}

func TestAgentConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		file    string
		wantErr string
	}{
		{"no data dir", []string{"-node", "n"}, "", "-data-dir is required"},
		{"bad node name", []string{"-node", "a b", "-data-dir", "d"}, "", `node name: "a b" has ' '`},
		{"bad datacenter", []string{"-node", "n", "-data-dir", "d", "-datacenter", "x.y"}, "", "datacenter"},
		{"bad bind", []string{"-node", "n", "-data-dir", "d", "-bind", "localhost"}, "", "bind address"},
		{"bad join", []string{"-node", "n", "-data-dir", "d", "-join", "seed.example"}, "", `"seed.example": want IP or IP:port`},
		{"bad api address", []string{"-node", "n", "-data-dir", "d", "-api-addr", ":x"}, "", "API address"},
		{"bad log level", []string{"-node", "n", "-data-dir", "d", "-log-level", "loud"}, "", "log level"},
		{"unknown key", []string{"-node", "n", "-data-dir", "d"}, "{\n  \"nodename\": \"x\"\n}", `unknown key "nodename"; the keys are node_name, datacenter`},
		{"wrong type", []string{"-node", "n", "-data-dir", "d"}, `{"retry_join": "10.0.0.1"}`, `"retry_join" must be a list of strings, not string`},
		{"syntax", []string{"-node", "n", "-data-dir", "d"}, "{\n\"datacenter\": \"a\",,\n}", "line 2"},
		{"two objects", []string{"-node", "n", "-data-dir", "d"}, `{} {}`, "content after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append(args, "-config-file", writeFile(t, "c.json", tt.file))
			}
			_, err := parseAgent(t, args...)
			require.ErrorIs(t, err, errConfig)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
	_, err := parseAgent(t, "-config-file", filepath.Join(t.TempDir(), "missing.json"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}
