package main

import (
	"bytes"
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/clock"
	"github.com/overlayd/overlayd/node/services"
)

// fakeAgent serves the API over a fake backend on a loopback port until
// the test ends, and returns the backend and the API's address.
func fakeAgent(t *testing.T) (*apitest.Backend, string) {
	env, addr := apitest.Serve(t, apitest.Config{}, services.Config{Clock: clock.NewFake(time.Unix(0, 0))}, api.Config{})
	return env.Backend, addr
}

// runCommand runs overlayd with args in this process.
func runCommand(args ...string) (code int, out, errOut string) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestStatusShowsTheAgentAndCountsItsMembers(t *testing.T) {
	b, addr := fakeAgent(t)
	dead := apitest.Record("b", "10.0.0.2:7946", "dc1", nil)
	dead.Status = catalog.Dead
	require.NoError(t, b.Apply(apitest.Record("a", "10.0.0.1:7946", "dc2", nil), dead))

	code, out, errOut := runCommand("status", "-api-addr", addr)
	require.Equal(t, exitOK, code, errOut)
	require.Regexp(t, `Node:\s+self\n`, out)
	require.Regexp(t, `Datacenter:\s+dc1\n`, out)
	require.Regexp(t, `Address:\s+127\.0\.0\.1:7946\n`, out)
	require.Regexp(t, `Incarnation:\s+1\n`, out)
	require.Regexp(t, `Members:\s+2 alive, 0 suspect, 1 dead, 0 left\n`, out)

	code, _, _ = runCommand("status", "-api-addr", addr, "-min-alive", "2")
	require.Equal(t, exitOK, code, "2 alive meets -min-alive 2")
	code, _, errOut = runCommand("status", "-api-addr", addr, "-min-alive", "3")
	require.Equal(t, exitError, code)
	require.Contains(t, errOut, "2 member(s) alive, want at least 3")
}

// An agent whose disk is full still serves: status says so and exits 0.
func TestStatusShowsAFailingDataDirectory(t *testing.T) {
	b, addr := fakeAgent(t)
	code, out, errOut := runCommand("status", "-api-addr", addr)
	require.Equal(t, exitOK, code, errOut)
	require.NotContains(t, out, "Data dir")

	b.FailDisk(fmt.Errorf("datadir: writing members.json: %w", syscall.ENOSPC))
	code, out, errOut = runCommand("status", "-api-addr", addr)
	require.Equal(t, exitOK, code, errOut)
	require.Regexp(t, `Data dir:\s+failing: datadir: writing members.json: no space left on device\n`, out)
}

func TestStatusFailsWhenNoAgentAnswers(t *testing.T) {
	code, _, errOut := runCommand("status", "-api-addr", "127.0.0.1:1", "-timeout", "2s")
	require.Equal(t, exitError, code)
	require.Contains(t, errOut, "no agent answers at 127.0.0.1:1")
}

func TestMembersDetailedAddsTheIncarnation(t *testing.T) {
	b, addr := fakeAgent(t)
	r := apitest.Record("a", "10.0.0.1:7946", "dc1", nil)
	r.Incarnation = 7
	require.NoError(t, b.Apply(r))

	code, out, errOut := runCommand("members", "-api-addr", addr, "-detailed")
	require.Equal(t, exitOK, code, errOut)
	require.Regexp(t, `(?m)^Node\s+Address\s+DC\s+Status\s+RTT\s+Incarnation$`, out)
	require.Regexp(t, `(?m)^a\s+10\.0\.0\.1:7946\s+dc1\s+alive\s+\S+( ms)?\s+7$`, out)

	_, out, _ = runCommand("members", "-api-addr", addr)
	require.NotContains(t, out, "Incarnation")
}
