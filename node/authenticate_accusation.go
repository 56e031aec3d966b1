package node

import (
	"crypto/ed25519"
	"encoding/binary"

	"github.com/overlayd/overlayd/swim"
)

// A verdict's From is its accuser: SWIM counts each distinct accuser of a
// suspicion as an independent confirmation, and the confirmations shorten
// the suspicion's timeout (Lifeguard). The verdict's proof, the member's
// own record, says nothing of who accuses, and Plumtree relays the verdict
// through nodes that could rewrite From. So the accuser signs the verdict
// with its record key (LivenessUpdate.Accusation), and a receiver keeps
// From only if that signature verifies under the key of the accuser's
// record it holds; otherwise it clears From, which makes the verdict count
// as no confirmation, and counts it. The verdict itself still holds: its
// proof is what makes it valid. One insider therefore confirms a suspicion
// once, under its own name, however many names it writes.

// accusationContext prefixes what an accuser signs.
const accusationContext = "overlayd accusation v1\x00"

// accusationBytes returns what u's accuser signs: the context, the
// incarnation, the state, the length of the member's ID, the ID, and From.
func accusationBytes(u swim.Update) []byte {
	b := append([]byte(accusationContext), make([]byte, 8+1+2)...)
	n := len(accusationContext)
	binary.BigEndian.PutUint64(b[n:], u.Incarnation)
	b[n+8] = byte(u.State)
	binary.BigEndian.PutUint16(b[n+9:], uint16(len(u.Member.ID)))
	b = append(b, u.Member.ID...)
	return append(b, u.From...)
}

// accuse returns this node's signature of a verdict it asserts.
func (c *Core) accuse(u swim.Update) []byte {
	return ed25519.Sign(c.key, accusationBytes(u))
}

// checkAccuser returns u with From cleared, counted, unless sig is From's
// signature of u under the key of the record held of From (this node's
// own key for itself).
func (c *Core) checkAccuser(u swim.Update, sig []byte) swim.Update {
	if u.From == "" {
		return u
	}
	key := c.key.Public().(ed25519.PublicKey)
	if u.From != c.cfg.Self.ID {
		r, ok := c.cat.Get(u.From)
		if !ok || len(r.Key) != ed25519.PublicKeySize {
			key = nil
		} else {
			key = ed25519.PublicKey(r.Key)
		}
	}
	if key == nil || len(sig) != ed25519.SignatureSize || !ed25519.Verify(key, accusationBytes(u), sig) {
		c.stats.UnsignedAccusations++
		u.From = ""
	}
	return u
}
