package overlay

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// A node certificate binds its node name in a URI subject alternative name
// of the form
//
//	overlayd:node:<name>
//
// with the name percent-escaped as in a URL path segment, so that any
// [NodeID] survives the trip. The certificate must hold exactly one URI of
// the overlayd scheme; its subject common name repeats the name for people
// reading the certificate and is never trusted. A URI rather than a DNS
// name keeps node names apart from host names: a certificate issued for a
// web server by some other CA can never name a node, and a node name need
// not be a valid host name.
const (
	nodeURIScheme = "overlayd"
	nodeURIPrefix = "node:"
)

// ErrNoNodeName reports a certificate that binds no node name, or more than
// one, or a name that is not a valid [NodeID].
var ErrNoNodeName = errors.New("overlay: certificate binds no node name")

// nodeURI returns the URI that binds name in a certificate.
func nodeURI(name NodeID) *url.URL {
	return &url.URL{Scheme: nodeURIScheme, Opaque: nodeURIPrefix + url.PathEscape(string(name))}
}

// NodeNameOf returns the node name that cert binds. It checks the form of
// the binding only; whether cert chains to the cluster CA is for the TLS
// verification to decide.
func NodeNameOf(cert *x509.Certificate) (NodeID, error) {
	var found []NodeID
	for _, u := range cert.URIs {
		if u.Scheme != nodeURIScheme {
			continue
		}
		name, err := parseNodeURI(u)
		if err != nil {
			return "", err
		}
		found = append(found, name)
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%w: no %s: URI", ErrNoNodeName, nodeURIScheme)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%w: %d %s: URIs, want one", ErrNoNodeName, len(found), nodeURIScheme)
}

// parseNodeURI returns the node name in a URI of the overlayd scheme.
func parseNodeURI(u *url.URL) (NodeID, error) {
	escaped, ok := strings.CutPrefix(u.Opaque, nodeURIPrefix)
	if !ok {
		return "", fmt.Errorf("%w: URI %q is not %s:%s<name>", ErrNoNodeName, u, nodeURIScheme, nodeURIPrefix)
	}
	name, err := url.PathUnescape(escaped)
	if err != nil {
		return "", fmt.Errorf("%w: URI %q: %w", ErrNoNodeName, u, err)
	}
	if err := (Peer{ID: NodeID(name)}).Validate(); err != nil {
		return "", fmt.Errorf("%w: URI %q: %w", ErrNoNodeName, u, err)
	}
	return NodeID(name), nil
}
