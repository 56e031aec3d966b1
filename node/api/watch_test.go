package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/vivaldi"
)

// sseEvent is one server-sent event.
type sseEvent struct{ id, event, data string }

// readEvents parses the stream's events onto a channel, skipping
// comments.
func readEvents(body *bufio.Reader) <-chan sseEvent {
	out := make(chan sseEvent, 16)
	go func() {
		defer close(out)
		var ev sseEvent
		for {
			line, err := body.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "":
				if ev.event != "" {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	return out
}

func TestWatchStreamsChanges(t *testing.T) {
	e := newEnv(t, nil)
	require.NoError(t, e.Backend.Apply(apitest.Record("a", "10.0.0.1:7946", "dc1", at(0.1, 0), web("web-1", catalog.Passing))))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", e.url+"/v1/watch/service/web?passing", nil)
	require.NoError(t, err)
	resp, err := e.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	events := readEvents(bufio.NewReader(resp.Body))

	first := <-events
	require.Equal(t, "service", first.event)
	var entries []serviceEntry
	require.NoError(t, json.Unmarshal([]byte(first.data), &entries))
	require.Equal(t, []string{"a"}, nodes(entries))

	// A coordinate move changes nothing here; a new instance does.
	require.NoError(t, e.Backend.SetCoordinate(vivaldi.Coordinate{Vec: []float64{1, 1}}))
	require.NoError(t, e.Backend.Apply(apitest.Record("b", "10.0.0.2:7946", "dc1", at(0, 0), web("web-1", catalog.Passing))))
	second := <-events
	require.NoError(t, json.Unmarshal([]byte(second.data), &entries))
	require.Equal(t, []string{"a", "b"}, nodes(entries), "the coordinate move sent no event")
	require.NotEqual(t, first.id, second.id)

	// A reconnecting client holding the latest id gets nothing until the
	// next change.
	req2, err := http.NewRequestWithContext(ctx, "GET", e.url+"/v1/watch/service/web?passing", nil)
	require.NoError(t, err)
	req2.Header.Set("Last-Event-ID", second.id)
	resp2, err := e.client.Do(req2)
	require.NoError(t, err)
	defer resp2.Body.Close()
	events2 := readEvents(bufio.NewReader(resp2.Body))
	e.waitBlocked(t, 2)
	require.NoError(t, e.Backend.Apply(apitest.Record("c", "10.0.0.3:7946", "dc1", at(0, 0), web("web-1", catalog.Passing))))
	third := <-events2
	require.NoError(t, json.Unmarshal([]byte(third.data), &entries))
	require.Equal(t, []string{"a", "b", "c"}, nodes(entries))
}
