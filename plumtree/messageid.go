package plumtree

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"

	"github.com/overlayd/overlayd/overlay"
)

// MessageID names a broadcast cluster-wide without coordination: an 8-byte
// epoch chosen once per [Node] (one incarnation of a member), followed by
// an 8-byte big-endian sequence number that the node counts up from 1.
//
// The epoch is the first 8 bytes of SHA-256(Self ‖ 8 bytes from
// Config.Rand), so two nodes given the same seed (an easy mistake in a
// simulator) still get different epochs, and a restarted node gets a new
// one. Treating epochs as uniform 64-bit values, the chance that any two
// of k incarnations share one is at most k²/2^65: about 3·10^-8 for a
// million incarnations over the cluster's life. A shared epoch only
// matters if both incarnations also use the same sequence numbers within
// SeenTTL of each other, so the real risk is lower still. Within one
// incarnation the sequence never repeats (2^64 broadcasts).
//
// The zero MessageID is never produced by [Node.Broadcast] (sequences start
// at 1); a [Graft] carries it to mean "link only, resend nothing".
type MessageID [16]byte

// IsZero reports whether id is the zero MessageID.
func (id MessageID) IsZero() bool { return id == MessageID{} }

// String returns the ID as 32 hex digits, epoch first.
func (id MessageID) String() string { return hex.EncodeToString(id[:]) }

// idGenerator hands out the MessageIDs of one incarnation.
type idGenerator struct {
	epoch [8]byte
	seq   uint64
}

func newIDGenerator(self overlay.NodeID, r *rand.Rand) idGenerator {
	var seed [8]byte
	binary.BigEndian.PutUint64(seed[:], r.Uint64())
	h := sha256.New()
	h.Write([]byte(self))
	h.Write(seed[:])
	var g idGenerator
	copy(g.epoch[:], h.Sum(nil))
	return g
}

// next returns a MessageID never returned before by g.
func (g *idGenerator) next() MessageID {
	g.seq++
	var id MessageID
	copy(id[:8], g.epoch[:])
	binary.BigEndian.PutUint64(id[8:], g.seq)
	return id
}
