package overlay

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/quic-go/quic-go/qlog"
	"github.com/quic-go/quic-go/qlogwriter"
)

// The bounds on what strangers can make a transport hold, checked before
// any cryptography: inbound connections per IP address and in total, and
// inbound handshakes per second (see Config). What fails them is refused
// and counted in Stats.Refused; datagrams that are not QUIC, or that QUIC
// drops, are counted in Stats.PacketsDropped.

// admitInbound reserves a connection slot for an inbound attempt from ip,
// or returns the reason it is refused: the address already has its share
// of connections, every slot is taken, or handshakes come too fast. A
// handshake token is spent only on an attempt that passed the other
// checks.
func (t *QUICTransport) admitInbound(ip netip.Addr, now time.Time) (RefusalReason, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch n := t.inbound[ip]; {
	case t.closing:
		return RefusedTooManyConnections, ErrTransportClosed // not reported
	case n >= t.cfg.MaxConnectionsPerAddress:
		return RefusedTooManyFromAddress, fmt.Errorf("%w: %d open from %s", ErrTooManyFromAddress, n, ip)
	case t.open >= t.cfg.MaxConnections:
		return RefusedTooManyConnections, fmt.Errorf("%w: %d open", ErrTooManyConnections, t.open)
	case !t.handshakes.take(now):
		return RefusedHandshakeRate, fmt.Errorf("%w: more than %d", ErrHandshakeRate, t.cfg.MaxHandshakesPerSecond)
	}
	t.open++
	t.inbound[ip]++
	return 0, nil
}

// demandRetry is quic-go's question, for each new inbound attempt without
// an address token, whether it must first prove its address with a Retry:
// it must once less than half a second's worth of handshakes is left.
func (t *QUICTransport) demandRetry(net.Addr) bool {
	if !t.handshakes.belowHalf(time.Now()) {
		return false
	}
	t.stats.add(retriesDemanded)
	return true
}

// releaseInbound gives back what admitInbound reserved.
func (t *QUICTransport) releaseInbound(ip netip.Addr) {
	t.mu.Lock()
	if t.inbound[ip]--; t.inbound[ip] <= 0 {
		delete(t.inbound, ip)
	}
	t.mu.Unlock()
	t.releaseSlot()
}

// ipOf returns the IP address of a peer's network address; addresses of
// another kind all share the zero Addr.
func ipOf(addr net.Addr) netip.Addr {
	if udp, ok := addr.(*net.UDPAddr); ok {
		return udp.AddrPort().Addr().Unmap()
	}
	if ap, err := netip.ParseAddrPort(addr.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// dropCounter is the quic.Transport's tracer: it counts the datagrams that
// QUIC dropped before they reached a connection, by quic-go's reason.
type dropCounter struct{ stats *counters }

var _ qlogwriter.Recorder = dropCounter{}

func (d dropCounter) RecordEvent(ev qlogwriter.Event) {
	if pd, ok := ev.(qlog.PacketDropped); ok {
		d.stats.packetDropped(string(pd.Trigger))
	}
}

func (dropCounter) Close() error { return nil }

// notQUIC is the Stats.PacketsDropped reason of datagrams that are not
// QUIC at all.
const notQUIC = "not_quic"

// discardNonQUIC reads and counts the datagrams that are not QUIC, which
// quic-go would otherwise discard without a trace, until the transport
// closes.
func (t *QUICTransport) discardNonQUIC() {
	buf := make([]byte, 1500)
	for {
		if _, _, err := t.qtr.ReadNonQUICPacket(t.ctx, buf); err != nil {
			return
		}
		t.stats.packetDropped(notQUIC)
	}
}
