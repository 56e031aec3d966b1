// Package floodtest sends the hostile traffic that an overlayd agent must
// survive: garbage UDP datagrams and half-open QUIC handshakes, at a fixed
// rate, to one address. The transport's flood test (package overlay) and
// the agent's (package node/daemon) both use it. It is for tests only;
// nothing in the agent imports it.
package floodtest
