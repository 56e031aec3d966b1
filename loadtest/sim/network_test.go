package sim

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/overlay/netem"
)

// oneHost is a matrix of a single host.
var oneHost = func() *netem.RTTMatrix {
	m, err := netem.ParseRTTMatrix(strings.NewReader("0\n"), time.Millisecond)
	if err != nil {
		panic(err)
	}
	return m
}()

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"zero value", Config{}, false},
		{"full", Config{Loss: 0.3, Latency: Uniform{Min: time.Millisecond, Max: 2 * time.Millisecond},
			SendFailureDelay: time.Second, CrashDetection: -1}, false},
		{"loss 1", Config{Loss: 1}, false},
		{"loss negative", Config{Loss: -0.1}, true},
		{"loss above 1", Config{Loss: 1.5}, true},
		{"loss NaN", Config{Loss: math.NaN()}, true},
		{"send failure delay negative", Config{SendFailureDelay: -time.Second}, true},
		{"constant negative", Config{Latency: Constant(-time.Millisecond)}, true},
		{"uniform min negative", Config{Latency: Uniform{Min: -1, Max: 5}}, true},
		{"uniform max below min", Config{Latency: Uniform{Min: 5, Max: 4}}, true},
		{"matrix nil", Config{Latency: MatrixLatency{}}, true},
		{"matrix same host negative", Config{Latency: MatrixLatency{M: oneHost, SameHost: -1}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			_, newErr := New(tt.cfg)
			if tt.wantErr {
				require.ErrorIs(t, err, ErrInvalidConfig)
				require.ErrorIs(t, newErr, ErrInvalidConfig)
				return
			}
			require.NoError(t, err)
			require.NoError(t, newErr)
		})
	}
}

func TestNewDoesNotModifyConfig(t *testing.T) {
	cfg := Config{Seed: 7}
	n, err := New(cfg)
	require.NoError(t, err)
	assert.Nil(t, cfg.Latency)
	assert.True(t, cfg.Start.IsZero())
	assert.Equal(t, defaultStart, n.Now(), "a zero Start means the fixed epoch")

	start := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	n, err = New(Config{Start: start})
	require.NoError(t, err)
	assert.Equal(t, start, n.Now())
}

// TestRunUntilOrder schedules callbacks out of order, with ties, and checks
// that RunUntil runs exactly those due by its deadline, in time order and
// ties in scheduling order, then leaves the clock at the deadline.
func TestRunUntilOrder(t *testing.T) {
	n, err := New(Config{})
	require.NoError(t, err)
	var ran []string
	at := func(due time.Duration, name string) {
		n.After(due-since(n), func() {
			require.Equal(t, due, since(n), "callback %s runs at its time", name)
			ran = append(ran, name)
		})
	}
	at(30*time.Millisecond, "c")
	at(10*time.Millisecond, "a1")
	at(20*time.Millisecond, "b")
	at(10*time.Millisecond, "a2")
	at(40*time.Millisecond, "d")
	at(20*time.Millisecond, "b2")
	n.After(5*time.Millisecond, func() {
		// Scheduled from inside a callback, due at 30ms: after "c".
		at(30*time.Millisecond, "c2")
		ran = append(ran, "e")
	})

	steps := []struct {
		until time.Duration
		want  []string
	}{
		{0, nil},
		{5 * time.Millisecond, []string{"e"}},
		{15 * time.Millisecond, []string{"e", "a1", "a2"}},
		{30 * time.Millisecond, []string{"e", "a1", "a2", "b", "b2", "c", "c2"}},
		{10 * time.Millisecond, []string{"e", "a1", "a2", "b", "b2", "c", "c2"}}, // the past: nothing
		{time.Second, []string{"e", "a1", "a2", "b", "b2", "c", "c2", "d"}},
	}
	var clock time.Duration
	for _, s := range steps {
		n.RunUntil(defaultStart.Add(s.until))
		clock = max(clock, s.until) // the clock never goes back
		require.Equal(t, s.want, ran, "after RunUntil(%v)", s.until)
		require.Equal(t, clock, since(n), "after RunUntil(%v)", s.until)
	}
	require.Zero(t, n.Pending())
}

func TestRunUntilIdle(t *testing.T) {
	n, err := New(Config{})
	require.NoError(t, err)
	ticks := 0
	var tick func()
	tick = func() {
		ticks++
		n.After(time.Second, tick)
	}
	n.After(time.Second, tick)

	processed, idle := n.RunUntilIdle(10)
	assert.Equal(t, 10, processed)
	assert.False(t, idle, "a periodic timer never lets the queue drain")
	assert.Equal(t, 10, ticks)
	assert.Equal(t, 10*time.Second, since(n))

	m, err := New(Config{})
	require.NoError(t, err)
	for i := range 5 {
		m.After(time.Duration(i)*time.Millisecond, func() {})
	}
	processed, idle = m.RunUntilIdle(0)
	assert.Equal(t, 5, processed)
	assert.True(t, idle)
	assert.False(t, m.Step(), "Step on an empty queue")
	assert.Equal(t, uint64(5), m.Stats().Events)
}

func TestAfterNodeDiesWithTheNode(t *testing.T) {
	n, log := newRecorded(t, Config{}, 2)
	var fired []int
	n.AfterNode(0, time.Second, func() { fired = append(fired, 0) })
	n.AfterNode(1, time.Second, func() { fired = append(fired, 1) })
	n.After(500*time.Millisecond, func() {
		n.Crash(1)
		n.Recover(1) // back up before the timer is due, but a new incarnation
	})
	n.RunUntilIdle(0)
	assert.Equal(t, []int{0}, fired)
	assert.Empty(t, *log)

	n.Crash(0)
	n.AfterNode(0, time.Second, func() { t.Error("a crashed node's timer ran") })
	n.RunUntilIdle(0)
}

func TestBadNodeIndexPanics(t *testing.T) {
	n, _ := newRecorded(t, Config{}, 2)
	tests := []struct {
		name string
		call func()
	}{
		{"Send to a missing node", func() { n.Send(0, 2, "x", 1) }},
		{"Crash a negative index", func() { n.Crash(-1) }},
		{"Connect a missing node", func() { n.Connect(5, 0) }},
		{"Partition a missing node", func() { n.Partition([]int{0}, []int{3}) }},
		{"Partition a node twice", func() { n.Partition([]int{0}, []int{0}) }},
		{"Send a negative size", func() { n.Send(0, 1, "x", -1) }},
		{"After a nil func", func() { n.After(0, nil) }},
	}
	for _, tt := range tests {
		assert.Panics(t, tt.call, tt.name)
	}
}
