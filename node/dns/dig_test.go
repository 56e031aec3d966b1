package dns

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDig runs testdata/dig.sh, the check that
// `dig @127.0.0.1 -p 7953 web.service.overlay SRV` lists the instances
// nearest first, on a free port. It needs dig (Debian's dnsutils), which
// the script installs when run by hand.
func TestDig(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: dig.sh builds and starts the harness")
	}
	if _, err := exec.LookPath("dig"); err != nil {
		t.Skip("dig is not installed: run `bash node/dns/testdata/dig.sh`, which installs Debian's dnsutils, or `apt-get install -y dnsutils`")
	}
	cmd := exec.Command("bash", "testdata/dig.sh")
	cmd.Env = append(cmd.Environ(), "PORT=0")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "dig.sh: PASS") {
		t.Fatalf("dig.sh: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
