package ui_test

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestScreenshot runs testdata/screenshot.sh against the harness's fake
// cluster (three datacenters of 12 members, eu-7 left): it loads the map
// in headless Chromium, checks the member count, every member's name and
// the nearest web instance, and saves map.png. Then this test reads the
// DOM Chromium dumped and checks that the projection makes sense: the
// 35 members with a coordinate are drawn, and every one of them is
// nearer on the map to a member of its own datacenter than to any other.
// It needs Debian's chromium, which the script installs when run by hand.
func TestScreenshot(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: screenshot.sh builds the harness and runs Chromium")
	}
	if _, err := exec.LookPath("chromium"); err != nil {
		t.Skip("chromium is not installed: run `bash node/ui/testdata/screenshot.sh`, which installs Debian's chromium, or `apt-get install -y chromium`")
	}
	out := t.TempDir()
	cmd := exec.Command("bash", "testdata/screenshot.sh")
	cmd.Env = append(cmd.Environ(), "OUT="+out, "SERVICE=web")
	log, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", log)
	require.Contains(t, string(log), "screenshot.sh: PASS", "%s", log)

	dom, err := os.ReadFile(filepath.Join(out, "dom.html"))
	require.NoError(t, err)
	type point struct {
		name, dc string
		x, y     float64
	}
	var points []point
	circle := regexp.MustCompile(`<circle class="member[^"]*" cx="([-0-9.]+)" cy="([-0-9.]+)"[^>]*data-name="([^"]+)" data-dc="([^"]*)"`)
	for _, m := range circle.FindAllStringSubmatch(string(dom), -1) {
		x, err := strconv.ParseFloat(m[1], 64)
		require.NoError(t, err)
		y, err := strconv.ParseFloat(m[2], 64)
		require.NoError(t, err)
		points = append(points, point{name: m[3], dc: m[4], x: x, y: y})
	}
	require.Len(t, points, 35, "every member with a coordinate is drawn; eu-7 left")
	for _, p := range points {
		require.NotEqual(t, "eu-7", p.name)
		require.True(t, p.x >= 0 && p.x <= 800 && p.y >= 0 && p.y <= 600, "%s at (%v, %v) is on the map", p.name, p.x, p.y)
		best, bestDist := "", math.Inf(1)
		for _, q := range points {
			if d := math.Hypot(p.x-q.x, p.y-q.y); q.name != p.name && d < bestDist {
				best, bestDist = q.dc, d
			}
		}
		require.Equal(t, p.dc, best, "%s's nearest neighbour on the map is in its datacenter", p.name)
	}
	require.True(t, strings.Contains(string(dom), `data-status="suspect"`) && strings.Contains(string(dom), `data-status="dead"`),
		"statuses are drawn")
	png, err := os.ReadFile(filepath.Join(out, "map.png"))
	require.NoError(t, err)
	require.Equal(t, "\x89PNG", string(png[:4]))
}
