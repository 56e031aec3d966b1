package services_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/clock"
	"github.com/overlayd/overlayd/node/services"
)

// TestRegistrationsPastTheLimitsChangeNothing fills an agent to
// MaxServices and MaxChecks and checks that one more service, or one more
// check, is refused with the field named, counted, and changes neither the
// view, the publisher nor the state file; a replacement within the limits
// still goes through.
func TestRegistrationsPastTheLimitsChangeNothing(t *testing.T) {
	pub := newRecorder()
	dir := t.TempDir()
	m, err := services.New(services.Config{Publisher: pub, Clock: clock.NewFake(t0), DataDir: dir, MaxServices: 2, MaxChecks: 3})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() { cancel(); require.NoError(t, <-done) }()

	require.NoError(t, m.Register(ctx, mustParse(t, `{"Name":"a","Checks":[{"TTL":"1m"},{"TTL":"1m"}]}`)))
	require.NoError(t, m.Register(ctx, mustParse(t, `{"Name":"b","Check":{"TTL":"1m"}}`)))
	before := m.View()
	file, err := os.ReadFile(filepath.Join(dir, services.StateFile))
	require.NoError(t, err)

	for _, tt := range []struct{ def, field string }{
		{`{"Name":"c"}`, "ID"},
		{`{"Name":"b","Checks":[{"TTL":"1m"},{"TTL":"1m"}]}`, "Checks"},
	} {
		err := m.Register(ctx, mustParse(t, tt.def))
		var fe *services.FieldError
		require.ErrorAs(t, err, &fe, tt.def)
		require.Equal(t, tt.field, fe.Field, tt.def)
	}
	require.Equal(t, services.Stats{OverLimit: 2}, m.Stats())
	require.Equal(t, before, m.View())
	_, found := pub.get("c")
	require.False(t, found)
	after, err := os.ReadFile(filepath.Join(dir, services.StateFile))
	require.NoError(t, err)
	require.Equal(t, file, after)

	// Replacing b's check by another keeps three checks: allowed.
	require.NoError(t, m.Register(ctx, mustParse(t, `{"Name":"b","Port":81,"Check":{"TTL":"2m"}}`)))
}
