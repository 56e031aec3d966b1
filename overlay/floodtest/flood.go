package floodtest

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"time"
)

// HalfOpenInitial returns a datagram that a QUIC server takes for the
// first packet of a new connection: a QUIC v1 Initial with a fresh
// destination connection ID, padded to the 1,200 bytes a client must send,
// whose payload is noise. The server sets up a handshake for it that no
// further packet ever advances.
func HalfOpenInitial(r *rand.Rand) []byte {
	const size = 1200
	b := make([]byte, 0, size)
	b = append(b, 0xc3)                     // long header, Initial, 4-byte packet number
	b = binary.BigEndian.AppendUint32(b, 1) // version 1
	for range 2 {                           // destination, then source connection ID
		b = append(b, 8)
		b = binary.BigEndian.AppendUint64(b, r.Uint64())
	}
	b = append(b, 0) // no token
	rest := size - len(b) - 2
	b = append(b, 0x40|byte(rest>>8), byte(rest)) // length, a 2-byte varint
	for len(b) < size {
		b = append(b, byte(r.Uint32()))
	}
	return b
}

// Garbage returns a datagram of random bytes and length.
func Garbage(r *rand.Rand) []byte {
	b := make([]byte, 1+r.IntN(1400))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// Flood sends perSecond datagrams a second to addr for d from one
// loopback socket, alternating half-open Initials and garbage, and returns
// how many it sent. It keeps to the schedule however late its ticks come,
// and stops at the first failed send.
func Flood(addr net.Addr, perSecond int, d time.Duration) (int, error) {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	r := rand.New(rand.NewPCG(1, 2))
	ticker := time.NewTicker(time.Millisecond)
	defer ticker.Stop()
	sent := 0
	start := time.Now()
	for now := start; now.Sub(start) < d; now = <-ticker.C {
		for due := int(float64(perSecond) * now.Sub(start).Seconds()); sent < due; sent++ {
			pkt := Garbage(r)
			if sent%2 == 0 {
				pkt = HalfOpenInitial(r)
			}
			if _, err := conn.WriteTo(pkt, addr); err != nil {
				return sent, fmt.Errorf("floodtest: datagram %d: %w", sent, err)
			}
		}
	}
	return sent, nil
}
