//go:build race

package daemon_test

// raceEnabled reports a build with the race detector, under which the
// 50-agent test takes minutes; `go test ./...` runs it without.
const raceEnabled = true
