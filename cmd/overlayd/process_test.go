package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api/client"
)

// These tests run overlayd as users do: the binary, built once, started as
// separate processes on loopback with certificates made by `overlayd tls`.
// They wait on conditions with generous deadlines, and log how long each
// took; the figures go to loadtest/RESULTS.md, the deadlines only stop a
// hung run.

// binary is the overlayd binary built for the tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "overlayd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "overlayd")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building overlayd:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// processDeadline bounds every wait on processes.
const processDeadline = 90 * time.Second

// runCLI runs the overlayd binary with args and returns its standard output.
func runCLI(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("overlayd %s: %w: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), nil
}

// freeAddr returns a loopback address with a port that was free for both
// TCP and UDP a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		ln.Close()
		if pc, err := net.ListenPacket("udp", addr); err == nil {
			pc.Close()
			return addr
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for a process writing while the test
// reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// agentProc is one `overlayd agent` process.
type agentProc struct {
	name, bind, api, dns, dataDir string
	certDir                       string
	cmd                           *exec.Cmd
	logs                          *lockedBuffer
	exited                        chan error
}

func newAgentProc(t *testing.T, name, certDir string) *agentProc {
	return &agentProc{name: name, certDir: certDir, bind: freeAddr(t), api: freeAddr(t), dns: freeAddr(t), dataDir: t.TempDir()}
}

// start starts the process, joining through join.
func (p *agentProc) start(t *testing.T, join ...string) {
	t.Helper()
	args := []string{"agent", "-node", p.name, "-bind", p.bind, "-api-addr", p.api, "-dns-addr", p.dns,
		"-data-dir", p.dataDir, "-log-level", "debug",
		"-ca-file", filepath.Join(p.certDir, caCertFile),
		"-cert-file", filepath.Join(p.certDir, p.name+".pem"),
		"-key-file", filepath.Join(p.certDir, p.name+"-key.pem")}
	for _, j := range join {
		args = append(args, "-join", j)
	}
	p.logs = &lockedBuffer{}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	require.NoError(t, p.cmd.Start())
	p.exited = make(chan error, 1)
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("logs of %s:\n%s", p.name, lastLines(p.logs.String(), 40))
		}
	})
}

// signal sends sig and waits for the process to exit, returning its error.
func (p *agentProc) signal(t *testing.T, sig syscall.Signal) error {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(sig))
	select {
	case err := <-p.exited:
		return err
	case <-time.After(processDeadline):
		t.Fatalf("%s did not exit after %v", p.name, sig)
		return nil
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}

// members runs `overlayd members` against p and returns the status of each
// member it lists.
func (p *agentProc) members(t *testing.T) map[string]string {
	t.Helper()
	out, err := runCLI(t, "", "members", "-api-addr", p.api)
	if err != nil {
		return nil
	}
	statuses := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Scan() // the header
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 4 {
			statuses[f[0]] = f[3]
		}
	}
	return statuses
}

// waitUntil polls cond until it holds, failing after processDeadline, and
// returns how long it took.
func waitUntil(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > processDeadline {
			t.Fatalf("%s: not within %v", what, processDeadline)
		}
		time.Sleep(50 * time.Millisecond) // polling interval of a condition, not a wait for time to pass
	}
	took := time.Since(start)
	t.Logf("%s: %v", what, took.Round(time.Millisecond))
	return took
}

// everyoneSees reports whether each of from lists every name with status.
func everyoneSees(t *testing.T, from []*agentProc, names []string, status string) bool {
	for _, p := range from {
		m := p.members(t)
		for _, n := range names {
			if m[n] != status {
				return false
			}
		}
	}
	return true
}

func names(ps ...*agentProc) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.name)
	}
	return out
}

func TestThreeProcessesJoinDetectLeaveAndRestart(t *testing.T) {
	certs := t.TempDir()
	_, err := runCLI(t, certs, "tls", "ca", "create")
	require.NoError(t, err)
	for _, n := range []string{"n1", "n2", "n3"} {
		_, err := runCLI(t, certs, "tls", "cert", "create", "-node", n)
		require.NoError(t, err)
	}
	n1, n2, n3 := newAgentProc(t, "n1", certs), newAgentProc(t, "n2", certs), newAgentProc(t, "n3", certs)
	n1.start(t)
	n2.start(t, n1.bind)
	n3.start(t, n1.bind)
	all := []*agentProc{n1, n2, n3}
	waitUntil(t, "3 processes list each other alive", func() bool { return everyoneSees(t, all, names(all...), "alive") })

	require.Error(t, n3.signal(t, syscall.SIGKILL), "killed")
	waitUntil(t, "SIGKILL: the others show n3 dead", func() bool {
		return everyoneSees(t, []*agentProc{n1, n2}, []string{"n3"}, "dead")
	})

	before := incarnation(t, n1, "n3")
	n3.start(t, n1.bind)
	waitUntil(t, "restart: n3 alive again everywhere", func() bool { return everyoneSees(t, all, []string{"n3"}, "alive") })
	require.Greater(t, incarnation(t, n1, "n3"), before, "the restarted node came back with a higher incarnation")

	require.NoError(t, n3.signal(t, syscall.SIGTERM), "a graceful leave exits 0")
	waitUntil(t, "SIGTERM: the others show n3 left", func() bool {
		return everyoneSees(t, []*agentProc{n1, n2}, []string{"n3"}, "left")
	})
	require.Contains(t, n3.logs.String(), "left the cluster")
}

// incarnation returns member's incarnation as p sees it.
func incarnation(t *testing.T, p *agentProc, member string) uint64 {
	t.Helper()
	ms, err := (&client.Client{Addr: p.api}).Members(context.Background())
	require.NoError(t, err)
	for _, m := range ms {
		if m.Name == member {
			return m.Incarnation
		}
	}
	t.Fatalf("%s does not list %s", p.name, member)
	return 0
}

func TestAnAgentOfAnotherCACannotJoin(t *testing.T) {
	certs, foreign := t.TempDir(), t.TempDir()
	for _, dir := range []string{certs, foreign} {
		_, err := runCLI(t, dir, "tls", "ca", "create")
		require.NoError(t, err)
	}
	_, err := runCLI(t, certs, "tls", "cert", "create", "-node", "n1")
	require.NoError(t, err)
	_, err = runCLI(t, foreign, "tls", "cert", "create", "-node", "intruder")
	require.NoError(t, err)

	n1, intruder := newAgentProc(t, "n1", certs), newAgentProc(t, "intruder", foreign)
	n1.start(t)
	intruder.start(t, n1.bind)
	// The intruder dials, so it judges n1's certificate first and refuses
	// it; n1 sees its handshake refused. Either way both log and count it.
	waitUntil(t, "the intruder logs n1's certificate as from an unknown authority", func() bool {
		return strings.Contains(intruder.logs.String(), "reason=unknown_authority")
	})
	waitUntil(t, "n1 logs the refusal", func() bool {
		return strings.Contains(n1.logs.String(), "refused a connection")
	})
	waitUntil(t, "both count it in their metrics", func() bool { return refusedCount(t, n1) > 0 && refusedCount(t, intruder) > 0 })
	if _, listed := n1.members(t)["intruder"]; listed {
		t.Fatal("n1 lists the intruder")
	}
	if _, listed := intruder.members(t)["n1"]; listed {
		t.Fatal("the intruder lists n1")
	}
}

// refusedCount reads overlay_transport_refused_total from p's /metrics.
func refusedCount(t *testing.T, p *agentProc) float64 {
	resp, err := http.Get("http://" + p.api + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		var v float64
		if _, err := fmt.Sscanf(line, "overlay_transport_refused_total %g", &v); err == nil {
			return v
		}
	}
	return 0
}

func TestDevComesUpAnswersMembersAndLeaves(t *testing.T) {
	p := &agentProc{name: "dev", api: freeAddr(t), dns: freeAddr(t), logs: &lockedBuffer{}}
	p.cmd = exec.Command(binary, "dev", "-api-addr", p.api, "-dns-addr", p.dns)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	require.NoError(t, p.cmd.Start())
	p.exited = make(chan error, 1)
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("output of dev:\n%s", lastLines(p.logs.String(), 40))
		}
	})
	waitUntil(t, "dev: `overlayd members` answers", func() bool { return len(p.members(t)) > 0 })
	waitUntil(t, "dev: `overlayd members` lists all 32 alive", func() bool {
		m := p.members(t)
		alive := 0
		for _, s := range m {
			if s == "alive" {
				alive++
			}
		}
		return alive == 32
	})
	require.Contains(t, p.logs.String(), "Try, in another terminal", "dev says what to try next")
	t.Run("live map in headless Chromium", func(t *testing.T) { checkLiveMap(t, "http://"+p.api) })
	require.NoError(t, p.signal(t, syscall.SIGINT), "Ctrl-C: every agent leaves, and dev exits 0")
}

// checkLiveMap loads dev's /ui/ in headless Chromium through
// node/ui/testdata/screenshot.sh, which checks that every member and the
// nearest web instance appear and saves map.png, in
// $OVERLAYD_SCREENSHOT_DIR if set (to look at it afterwards), else in a
// temporary directory. .ci/run installs Debian's chromium; elsewhere the
// check is skipped without it.
func checkLiveMap(t *testing.T, api string) {
	if testing.Short() {
		t.Skip("-short: runs Chromium")
	}
	if _, err := exec.LookPath("chromium"); err != nil {
		t.Skip("chromium is not installed: `apt-get install -y chromium`, or run node/ui/testdata/screenshot.sh, which installs it")
	}
	out := os.Getenv("OVERLAYD_SCREENSHOT_DIR")
	if out == "" {
		out = t.TempDir()
	}
	cmd := exec.Command("bash", "../../node/ui/testdata/screenshot.sh", api)
	cmd.Env = append(cmd.Environ(), "OUT="+out, "SERVICE=web")
	log, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", log)
	require.Contains(t, string(log), "screenshot.sh: PASS", "%s", log)
	png, err := os.ReadFile(filepath.Join(out, "map.png"))
	require.NoError(t, err)
	require.Equal(t, "\x89PNG", string(png[:4]), "map.png is a PNG")
}
