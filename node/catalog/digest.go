package catalog

// Digest summarises the catalog for anti-entropy: members are placed in
// buckets by the FNV-1a 64 hash of their ID modulo buckets, and each
// bucket's value is the sum, modulo 2^64, of a 64-bit FNV-1a hash of each
// of its records over every field. The sum does not depend on the order of
// the records, and equal catalogs give equal digests; two catalogs that
// differ in a bucket almost surely give different values there. A
// push-pull exchange sends the digest, the peer answers with the
// [Catalog.Buckets] whose values differ, and both sides apply them. It
// returns nil if buckets < 1. Cost: O(members), no hashing of records.
func (c *Catalog) Digest(buckets int) []uint64 {
	if buckets < 1 {
		return nil
	}
	out := make([]uint64, buckets)
	n := uint64(buckets)
	for _, m := range c.records.shards {
		for _, e := range m {
			out[e.idHash%n] += e.hash
		}
	}
	return out
}

// Buckets returns the records of the given buckets of a [Catalog.Digest]
// into buckets buckets, sorted by member ID, in one pass over the catalog;
// indices out of range are ignored, and nil is returned if buckets < 1.
func (c *Catalog) Buckets(want []uint16, buckets int) []Record {
	if buckets < 1 {
		return nil
	}
	wanted := make([]bool, buckets)
	k := 0
	for _, i := range want {
		if int(i) < buckets && !wanted[i] {
			wanted[i] = true
			k++
		}
	}
	if k == 0 {
		return nil
	}
	n := uint64(buckets)
	return sortedRecords(&c.records.shards, c.Len()*k/buckets+1, func(e *entry) bool { return wanted[e.idHash%n] })
}
