package overlay

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"
)

// TLS on every connection is TLS 1.3 (QUIC allows nothing older) with both
// sides presenting certificates. Neither side relies on crypto/tls to judge
// the peer's certificate: each verifies the chain against the cluster CA
// itself, in VerifyConnection, so that it can tell a certificate from
// another CA from an expired one, count the refusal by reason and report
// it. Session tickets are off, so every connection presents and checks a
// full certificate chain.

// serverTLS returns the TLS configuration for accepted connections.
func (t *QUICTransport) serverTLS() *tls.Config {
	base := &tls.Config{
		MinVersion:             tls.VersionTLS13,
		Certificates:           []tls.Certificate{t.cfg.Identity.cert},
		ClientAuth:             tls.RequestClientCert, // verified below, to report why it fails
		NextProtos:             []string{ALPN()},
		SessionTicketsDisabled: true,
	}
	outer := base.Clone()
	// GetConfigForClient reaches the attempt that connContext stored in
	// the connection's context, so that a refusal names its address.
	outer.GetConfigForClient = func(chi *tls.ClientHelloInfo) (*tls.Config, error) {
		att, _ := chi.Context().Value(inboundAttemptKey{}).(*inboundAttempt)
		if att == nil {
			return nil, fmt.Errorf("overlay: connection without an attempt record")
		}
		c := base.Clone()
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			_, err := t.verifyPeer(cs, x509.ExtKeyUsageClientAuth, "", att.addr, true)
			if err != nil {
				att.refused.Store(true)
			}
			return err
		}
		return c, nil
	}
	return outer
}

// clientTLS returns the TLS configuration for dialing the node expected;
// refused is set when this side refuses the server's certificate.
func (t *QUICTransport) clientTLS(expected NodeID, addr net.Addr, refused *atomic.Bool) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{t.cfg.Identity.cert},
		NextProtos:   []string{ALPN()},
		ServerName:   "overlayd", // SNI is not used to pick a certificate
		// The chain and the node name are checked in VerifyConnection;
		// host names mean nothing here.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			_, err := t.verifyPeer(cs, x509.ExtKeyUsageServerAuth, expected, addr, false)
			if err != nil {
				refused.Store(true)
			}
			return err
		},
	}
}

// verifyPeer checks the certificate a peer presented and, when expected is
// set, that it binds that node. A failure is counted, reported, and
// returned to crypto/tls, which then aborts the handshake with an alert.
func (t *QUICTransport) verifyPeer(cs tls.ConnectionState, usage x509.ExtKeyUsage, expected NodeID, addr net.Addr, inbound bool) (NodeID, error) {
	name, err := t.cfg.Identity.verifyChain(cs.PeerCertificates, usage, time.Now())
	if err != nil {
		t.refuse(newRefusal(addr, claimedName(cs.PeerCertificates, expected), inbound, certRefusalReason(err), err))
		return "", err
	}
	if expected != "" && name != expected {
		err := fmt.Errorf("dialed %q, certificate binds %q", expected, name)
		t.refuse(newRefusal(addr, expected, inbound, RefusedNameMismatch, err))
		return "", err
	}
	return name, nil
}

// claimedName is the name to report for a refused certificate: the one it
// claims to bind, else the one dialed.
func claimedName(certs []*x509.Certificate, dialed NodeID) NodeID {
	if len(certs) > 0 {
		if name, err := NodeNameOf(certs[0]); err == nil {
			return name
		}
	}
	return dialed
}

// refuse counts r and hands it to the OnRefused callback, unless that
// has had its RefusalReportsPerSecond.
func (t *QUICTransport) refuse(r Refusal) {
	t.stats.refused(r.Reason)
	if t.cfg.OnRefused == nil {
		return
	}
	if !t.reports.take(time.Now()) {
		t.stats.add(refusalsUnreported)
		return
	}
	t.cfg.OnRefused(r)
}

// inboundAttempt follows one inbound connection from its first packet.
type inboundAttempt struct {
	addr        net.Addr
	refused     atomic.Bool // this node refused it, and has counted that
	established atomic.Bool // its hello was accepted
}

type inboundAttemptKey struct{}

// connContext is quic-go's hook for every inbound connection attempt,
// before its handshake. It admits the attempt against the bounds of
// admitInbound, refusing it otherwise, and arranges for what it reserved
// to be given back when the connection ends, and for a handshake that
// failed without this node refusing it to be counted.
func (t *QUICTransport) connContext(ctx context.Context, info *quic.ClientInfo) (context.Context, error) {
	ip := ipOf(info.RemoteAddr)
	if reason, err := t.admitInbound(ip, time.Now()); err != nil {
		if !t.isClosing() {
			t.refuse(newRefusal(info.RemoteAddr, "", true, reason, err))
		}
		return nil, err
	}
	att := &inboundAttempt{addr: info.RemoteAddr}
	ctx = context.WithValue(ctx, inboundAttemptKey{}, att)
	context.AfterFunc(ctx, func() {
		t.releaseInbound(ip)
		if att.established.Load() || att.refused.Load() || t.isClosing() {
			return
		}
		cause := context.Cause(ctx)
		t.refuse(newRefusal(att.addr, "", true, handshakeRefusalReason(cause), cause))
	})
	return ctx, nil
}
