package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// Server answers DNS queries from a [Backend]'s latest state.
type Server struct {
	cfg Config
	// domain is cfg.Domain in lower case with its trailing dot, and
	// domainName the same as a dnsmessage.Name.
	domain         string
	domainName     dnsmessage.Name
	soaNS, soaMBox dnsmessage.Name
	ttl            uint32
	stats          counters
}

// New returns a Server. It copies cfg and fills in the defaults.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	domain, _ := canonicalDomain(cfg.Domain) // validated
	s := &Server{cfg: cfg, domain: domain, ttl: uint32(cfg.TTL / time.Second)}
	// canonicalDomain bounds the domain to 129 bytes: these names fit.
	s.domainName = dnsmessage.MustNewName(domain)
	s.soaNS = dnsmessage.MustNewName("ns." + domain)
	s.soaMBox = dnsmessage.MustNewName("hostmaster." + domain)
	return s, nil
}

// ErrNoTransport reports a [Server.Serve] given neither a packet
// connection nor a listener.
var ErrNoTransport = errors.New("dns: nothing to serve on")

// Serve answers queries arriving on pc (UDP) and ln (TCP), either of
// which may be nil, until ctx is done or one of them fails. It closes
// both, closes the TCP connections and waits for the queries under way
// before it returns: nil once ctx is done, or the error that stopped it.
func (s *Server) Serve(ctx context.Context, pc net.PacketConn, ln net.Listener) error {
	if pc == nil && ln == nil {
		return ErrNoTransport
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	fail := func(err error) {
		if err != nil && ctx.Err() == nil {
			once.Do(func() { first = err })
		}
		cancel()
	}
	if pc != nil {
		stop := context.AfterFunc(ctx, func() { pc.Close() })
		defer stop()
		wg.Go(func() { fail(s.serveUDP(ctx, pc)) })
	}
	if ln != nil {
		stop := context.AfterFunc(ctx, func() { ln.Close() })
		defer stop()
		wg.Go(func() { fail(s.serveTCP(ctx, ln)) })
	}
	wg.Wait()
	return first
}

// ListenAndServe listens on Config.Addr over UDP and TCP and serves until
// ctx is done, as [Server.Serve].
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, "udp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("dns: %w", err)
	}
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		pc.Close()
		return fmt.Errorf("dns: %w", err)
	}
	return s.Serve(ctx, pc, ln)
}

// retryDelay is the wait before the next read or accept after an error
// that did not close the socket (a full file table, say): doubled from
// 5 ms on each error in a row, up to 1 s, as net/http's Server does.
type retryDelay struct{ d time.Duration }

// failed handles an error of a read or accept on the socket named what:
// it reports done, with the error to return, if the socket was closed
// (by Serve, once ctx is done: no error) or ctx ended while waiting;
// otherwise it waits before the next try.
func (r *retryDelay) failed(ctx context.Context, err error, what string) (done bool, _ error) {
	switch {
	case ctx.Err() != nil:
		return true, nil
	case errors.Is(err, net.ErrClosed):
		return true, fmt.Errorf("dns: %s closed: %w", what, err)
	}
	return !r.wait(ctx), nil
}

// wait sleeps for the next delay, or until ctx is done; it reports
// whether ctx is still live.
func (r *retryDelay) wait(ctx context.Context) bool {
	r.d = min(max(2*r.d, 5*time.Millisecond), time.Second)
	t := time.NewTimer(r.d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (r *retryDelay) reset() { r.d = 0 }
