package catalog

import (
	"bytes"
	"math"

	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// chooser picks numbers: a *rand.Rand in property tests, fuzz bytes in
// FuzzMerge.
type chooser interface {
	// IntN returns a number in [0, n).
	IntN(n int) int
	// Float64 returns any float64: in [0, 1) from a *rand.Rand, any bit
	// pattern (NaN, infinities, -0) from fuzz bytes.
	Float64() float64
}

// byteChooser reads choices from fuzz input; past its end it picks 0.
type byteChooser struct{ data []byte }

func (b *byteChooser) IntN(n int) int {
	if len(b.data) == 0 {
		return 0
	}
	v := int(b.data[0]) % n
	b.data = b.data[1:]
	return v
}

func (b *byteChooser) Float64() float64 {
	var bits uint64
	for range 8 {
		bits = bits<<8 | uint64(b.IntN(256))
	}
	return math.Float64frombits(bits)
}

func pick[T any](ch chooser, options ...T) T { return options[ch.IntN(len(options))] }

// genRecord returns a record of one of a few members, valid unless a
// coordinate field drawn by Float64 is out of range. The domains are tiny
// so that equal incarnations and versions, and different owner parts under
// one version (as only a buggy member sends), are common.
func genRecord(ch chooser) Record {
	r := Record{
		Member:      overlay.Peer{ID: pick[overlay.NodeID](ch, "a", "b", "c")},
		Incarnation: uint64(ch.IntN(3)),
		Status:      Status(1 + ch.IntN(4)),
	}
	if ch.IntN(4) == 0 {
		return r // liveness only
	}
	r.OwnerIncarnation = uint64(ch.IntN(2))
	r.Version = uint64(1 + ch.IntN(2))
	r.Member.Addr = pick(ch, "", "h1:1", "h2:1")
	r.Datacenter = pick(ch, "", "dc1", "dc2")
	if ch.IntN(3) > 0 {
		r.Coordinate = &vivaldi.Coordinate{
			Vec:    []float64{pick(ch, 0, math.Copysign(0, -1), 0.5), pick(ch, 0, 1, ch.Float64())},
			Height: pick(ch, 0, 1e-5, ch.Float64()),
		}
	}
	for i, id := range []string{"s1", "s2"} {
		if ch.IntN(2) == 0 {
			continue
		}
		s := Service{ID: id, Name: pick(ch, "web", "db"), Port: uint16(80 + i), Health: Health(1 + ch.IntN(3))}
		s.Tags = pick(ch, nil, []string{"x"}, []string{"x", "y"})
		s.Meta = pick(ch, nil, map[string]string{"k": "v"}, map[string]string{"k": "w", "l": "v"})
		r.Services = append(r.Services, s)
	}
	r.Left = ch.IntN(4) == 0
	if ch.IntN(2) == 0 {
		r.Key = pick(ch, bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
		r.Signature = pick(ch, nil, bytes.Repeat([]byte{3}, 64), bytes.Repeat([]byte{4}, 64))
	}
	return r
}
