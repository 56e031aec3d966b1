// Package netem emulates a wide-area network on one machine, so that real
// overlayd agents on loopback see the latencies of a real deployment.
//
// It owns:
//
//   - all-pairs round-trip-time matrices ([RTTMatrix], [ParseRTTMatrix]),
//     and the bundled PlanetLab matrix of 490 hosts ([PlanetLab490]), the
//     ground truth for Vivaldi and the latency model of the simulator in
//     loadtest/sim;
//   - a [Placement] of addresses on the hosts of a matrix, which gives the
//     one-way delay between two addresses;
//   - [Conn], a net.PacketConn wrapper that holds each outgoing datagram
//     for the one-way delay to its destination before sending it.
//
// A QUIC transport built on a [Conn] around a loopback UDP socket behaves
// like one on a WAN link: its handshakes, acknowledgements and
// retransmission timers all see the emulated delay. This is what
// `overlayd dev` and the real-cluster load tests run on.
package netem
