package catalog

import "math"

// FNV-1a, 64 bits (Fowler, Noll and Vo; RFC draft-eastlake-fnv).
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// hashString returns the FNV-1a 64 hash of s. It places members and
// services in shards and members in digest buckets.
func hashString[S ~string](s S) uint64 {
	h := fnv64{fnvOffset64}
	h.bytes(string(s))
	return h.sum
}

// fnv64 is an FNV-1a 64 hash that fields are written into, each in an
// unambiguous form: strings and lists carry their length.
type fnv64 struct{ sum uint64 }

func (h *fnv64) bytes(s string) {
	for i := 0; i < len(s); i++ {
		h.sum ^= uint64(s[i])
		h.sum *= fnvPrime64
	}
}

func (h *fnv64) uint(v uint64) {
	for range 8 {
		h.sum ^= v & 0xff
		h.sum *= fnvPrime64
		v >>= 8
	}
}

func (h *fnv64) string(s string) {
	h.uint(uint64(len(s)))
	h.bytes(s)
}

func (h *fnv64) float(f float64) { h.uint(math.Float64bits(f)) }

// hashRecord returns a hash of every field of r. Equal records hash
// equally; a digest bucket sums the hashes of its records.
func hashRecord(r *Record) uint64 {
	h := fnv64{fnvOffset64}
	h.string(string(r.Member.ID))
	h.string(r.Member.Addr)
	h.string(r.Datacenter)
	h.uint(r.Incarnation)
	h.uint(uint64(r.Status))
	h.uint(r.OwnerIncarnation)
	h.uint(r.Version)
	if c := r.Coordinate; c != nil {
		h.uint(uint64(len(c.Vec)) + 1)
		for _, v := range c.Vec {
			h.float(v)
		}
		h.float(c.Error)
		h.float(c.Adjustment)
		h.float(c.Height)
	} else {
		h.uint(0)
	}
	h.uint(uint64(len(r.Services)))
	for i := range r.Services {
		s := &r.Services[i]
		h.string(s.ID)
		h.string(s.Name)
		h.string(s.Address)
		h.uint(uint64(s.Port))
		h.uint(uint64(s.Health))
		h.uint(uint64(len(s.Tags)))
		for _, t := range s.Tags {
			h.string(t)
		}
		h.uint(uint64(len(s.Meta)))
		for _, k := range sortedKeys(s.Meta) {
			h.string(k)
			h.string(s.Meta[k])
		}
	}
	if r.Left {
		h.uint(1)
	} else {
		h.uint(0)
	}
	h.string(string(r.Key))
	h.string(string(r.Signature))
	return h.sum
}
