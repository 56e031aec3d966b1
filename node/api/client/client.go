package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/overlayd/overlayd/node/api"
)

// Client talks to one agent's API. Its zero value is ready to use.
type Client struct {
	// Addr is the API's host:port (default api.DefaultAddr).
	Addr string
	// Token, if set, is sent with every request as X-Consul-Token.
	Token string
	// HTTPClient sends the requests (default: a client that never goes
	// through a proxy, as the API is local).
	HTTPClient *http.Client
}

var defaultHTTPClient = &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4}}

// Error is an error answer of the API.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Message is the server's sentence; Field the query parameter, path
	// segment or body field it names, if any.
	Message string
	Field   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("overlayd API: %d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), e.Message)
}

// IsNotFound reports whether err is an API answer of 404.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// ErrUnreachable wraps the failure to reach the agent at all.
var ErrUnreachable = errors.New("overlayd agent unreachable")

func (c *Client) addr() string {
	if c.Addr == "" {
		return api.DefaultAddr
	}
	return c.Addr
}

// do sends a request and decodes a 200 answer's JSON into out (if not
// nil).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("client: encoding the request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	// path comes escaped: its segments went through url.PathEscape.
	target := "http://" + c.addr() + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("X-Consul-Token", c.Token)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w at %s: %w", ErrUnreachable, c.addr(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("client: reading the answer of %s %s: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		e := &Error{StatusCode: resp.StatusCode}
		var body struct{ Error, Field string }
		if json.Unmarshal(data, &body) == nil && body.Error != "" {
			e.Message, e.Field = body.Error, body.Field
		} else {
			e.Message = strings.TrimSpace(string(data))
		}
		return e
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("client: decoding the answer of %s %s: %w", method, path, err)
	}
	return nil
}
