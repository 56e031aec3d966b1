package services

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/overlayd/overlayd/node/catalog"
)

// MaxOutputBytes bounds the output kept of one check run, Consul's
// default for a check's output (4 KiB).
const MaxOutputBytes = 4096

// prober runs one HTTP or TCP check once.
type prober interface {
	probe(ctx context.Context) (catalog.Health, string)
}

func newProber(def CheckDefinition) prober {
	if def.Kind == TCP {
		return &tcpProber{def: def}
	}
	return &httpProber{def: def, client: &http.Client{
		Transport: &http.Transport{
			// No proxy from the environment: the check is of the local
			// instance, as the agent sees it.
			Proxy:             nil,
			DisableKeepAlives: true,
			TLSClientConfig:   &tls.Config{ServerName: def.TLSServerName, InsecureSkipVerify: def.TLSSkipVerify}, //nolint:gosec // the user's choice, as in Consul
		},
	}}
}

type httpProber struct {
	def    CheckDefinition
	client *http.Client
}

// probe requests the URL: 2xx is passing, 429 warning, anything else
// critical.
func (p *httpProber) probe(ctx context.Context) (catalog.Health, string) {
	ctx, cancel := context.WithTimeout(ctx, p.def.Timeout)
	defer cancel()
	var body io.Reader
	if p.def.Body != "" {
		body = strings.NewReader(p.def.Body)
	}
	req, err := http.NewRequestWithContext(ctx, p.def.Method, p.def.HTTP, body)
	if err != nil {
		return catalog.Critical, fmt.Sprintf("HTTP %s %s: %v", p.def.Method, p.def.HTTP, err)
	}
	req.Header.Set("User-Agent", "overlayd health check")
	req.Header.Set("Accept", "text/plain, text/*, */*")
	for k, vs := range p.def.Header {
		if strings.EqualFold(k, "Host") && len(vs) > 0 {
			req.Host = vs[0]
			continue
		}
		req.Header.Del(k)
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return catalog.Critical, fmt.Sprintf("HTTP %s %s: %v", p.def.Method, p.def.HTTP, err)
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, MaxOutputBytes))
	status := catalog.Critical
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		status = catalog.Passing
	case resp.StatusCode == http.StatusTooManyRequests:
		status = catalog.Warning
	}
	return status, truncate(fmt.Sprintf("HTTP %s %s: %s; body: %s", p.def.Method, p.def.HTTP, resp.Status, head))
}

type tcpProber struct{ def CheckDefinition }

// probe connects to the address: connected is passing, anything else
// critical.
func (p *tcpProber) probe(ctx context.Context) (catalog.Health, string) {
	d := net.Dialer{Timeout: p.def.Timeout}
	conn, err := d.DialContext(ctx, "tcp", p.def.TCP)
	if err != nil {
		return catalog.Critical, fmt.Sprintf("TCP connect %s: %v", p.def.TCP, err)
	}
	_ = conn.Close()
	return catalog.Passing, fmt.Sprintf("TCP connect %s: connected", p.def.TCP)
}

// truncate makes s valid UTF-8 and cuts it to MaxOutputBytes, on a rune
// boundary.
func truncate(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= MaxOutputBytes {
		return s
	}
	n := MaxOutputBytes
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
