package dns

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// serveTCP accepts connections on ln and serves each on its own
// goroutine, at most MaxTCPConns at once; a connection past that is
// closed at once, so that its client fails fast instead of waiting.
func (s *Server) serveTCP(ctx context.Context, ln net.Listener) error {
	slots := make(chan struct{}, s.cfg.MaxTCPConns)
	var wg sync.WaitGroup
	defer wg.Wait()
	var retry retryDelay
	for {
		conn, err := ln.Accept()
		if err != nil {
			if done, err := retry.failed(ctx, err, "TCP listener"); done {
				return err
			}
			continue
		}
		retry.reset()
		select {
		case slots <- struct{}{}:
		default:
			s.stats.tcpRejected.Add(1)
			conn.Close()
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			s.serveConn(ctx, conn)
		})
	}
}

// serveConn answers the queries of one connection in order (RFC 7766
// pipelining) until the client closes it, sends something that is not a
// query, idles past TCPIdleTimeout, or ctx is done.
func (s *Server) serveConn(ctx context.Context, conn net.Conn) {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	var size [2]byte
	for {
		if err := conn.SetReadDeadline(time.Now().Add(s.cfg.TCPIdleTimeout)); err != nil {
			return
		}
		if _, err := io.ReadFull(conn, size[:]); err != nil {
			s.countIdle(err)
			return
		}
		req := make([]byte, binary.BigEndian.Uint16(size[:]))
		if _, err := io.ReadFull(conn, req); err != nil {
			s.countIdle(err)
			return
		}
		// The answer follows its 2-byte length, filled in once known.
		msg, ok := s.answer(req, make([]byte, 2, 512), true)
		if !ok {
			return
		}
		s.stats.tcp.Add(1)
		binary.BigEndian.PutUint16(msg, uint16(len(msg)-2))
		if err := conn.SetWriteDeadline(time.Now().Add(s.cfg.TCPIdleTimeout)); err != nil {
			return
		}
		if _, err := conn.Write(msg); err != nil {
			return
		}
	}
}

// countIdle counts a connection closed because its client went quiet.
func (s *Server) countIdle(err error) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		s.stats.tcpIdleClosed.Add(1)
	}
}
