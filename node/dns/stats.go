package dns

import (
	"sync/atomic"

	"golang.org/x/net/dns/dnsmessage"
)

// Stats are a Server's counters since it was made.
type Stats struct {
	// UDPQueries and TCPQueries count the queries answered on each
	// transport.
	UDPQueries, TCPQueries uint64
	// Truncated counts the answers sent with the TC bit set.
	Truncated uint64
	// Dropped counts the messages not answered: too short for a header,
	// or responses.
	Dropped uint64
	// NXDomain, Refused, FormErr and NotImp count the answers with those
	// codes (NotImp includes BADVERS).
	NXDomain, Refused, FormErr, NotImp uint64
	// TCPRejected counts the TCP connections closed at once because
	// MaxTCPConns were open; TCPIdleClosed those closed for idleness.
	TCPRejected, TCPIdleClosed uint64
}

// counters are the live form of Stats.
type counters struct {
	udp, tcp, truncated, dropped       atomic.Uint64
	nxdomain, refused, formerr, notimp atomic.Uint64
	tcpRejected, tcpIdleClosed         atomic.Uint64
}

func (c *counters) count(rcode dnsmessage.RCode) {
	switch rcode {
	case dnsmessage.RCodeNameError:
		c.nxdomain.Add(1)
	case dnsmessage.RCodeRefused:
		c.refused.Add(1)
	case dnsmessage.RCodeFormatError:
		c.formerr.Add(1)
	case dnsmessage.RCodeNotImplemented, rcodeBadVersion:
		c.notimp.Add(1)
	}
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	c := &s.stats
	return Stats{
		UDPQueries: c.udp.Load(), TCPQueries: c.tcp.Load(), Truncated: c.truncated.Load(), Dropped: c.dropped.Load(),
		NXDomain: c.nxdomain.Load(), Refused: c.refused.Load(), FormErr: c.formerr.Load(), NotImp: c.notimp.Load(),
		TCPRejected: c.tcpRejected.Load(), TCPIdleClosed: c.tcpIdleClosed.Load(),
	}
}
