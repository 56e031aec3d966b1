package dns

import (
	"context"
	"net"
	"runtime"
	"sync"
)

// serveUDP answers datagrams on pc with one reader per CPU, each
// answering its datagram before it reads the next: concurrency is bound
// by the readers, and a burst waits in the socket's buffer.
func (s *Server) serveUDP(ctx context.Context, pc net.PacketConn) error {
	readers := max(2, runtime.GOMAXPROCS(0))
	errs := make(chan error, readers)
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() { errs <- s.readUDP(ctx, pc) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// readUDP reads and answers datagrams until pc is closed.
func (s *Server) readUDP(ctx context.Context, pc net.PacketConn) error {
	req := make([]byte, maxMessageSize)
	out := make([]byte, 0, maxMessageSize)
	var retry retryDelay
	for {
		n, from, err := pc.ReadFrom(req)
		if err != nil {
			if done, err := retry.failed(ctx, err, "UDP socket"); done {
				return err
			}
			continue
		}
		retry.reset()
		msg, ok := s.answer(req[:n], out[:0], false)
		if !ok {
			continue
		}
		s.stats.udp.Add(1)
		_, _ = pc.WriteTo(msg, from) // a lost answer is the client's to retry
	}
}
