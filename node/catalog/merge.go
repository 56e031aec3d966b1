package catalog

// Merge combines two records of the same member into the record that a
// node knowing both would hold. The liveness part and the owner part merge
// independently:
//
//   - Liveness: the higher Incarnation wins; at equal incarnation
//     Left > Dead > Suspect > Alive.
//   - Owner part (Member.Addr, Datacenter, Coordinate, Services, Left,
//     Key, Signature): the
//     higher (OwnerIncarnation, Version), compared lexicographically, wins
//     and brings all of them. A liveness-only update, at (0, 0), therefore
//     never erases owner data.
//
// When two owner parts differ but share (OwnerIncarnation, Version), which
// only a buggy or malicious member produces, the greater in a field-wise
// total order wins: Datacenter, then Member.Addr, then Coordinate (absent
// first, then Vec, Error, Adjustment, Height), then Services (element by
// element: ID, Name, Address, Port, Health, Tags, Meta by sorted key), then
// Left, Key and Signature. See cmpOwner for the details.
//
// Each part is the maximum under a total order whose ties are identical
// values, so Merge is commutative, associative and idempotent: any set of
// records merged in any order and grouping gives one result. Merge shares
// the slices, maps and coordinate of its arguments. If the IDs differ,
// which callers must not do, it returns a unchanged.
func Merge(a, b Record) Record {
	if a.Member.ID != b.Member.ID {
		return a
	}
	liveness, owner := supersedes(&a, &b)
	return combine(&a, &b, liveness, owner)
}

// supersedes reports which parts of b beat those of a.
func supersedes(a, b *Record) (liveness, owner bool) {
	return livenessLess(a, b), cmpOwner(a, b) < 0
}

// combine returns a with its liveness part, its owner part, or both
// replaced by b's.
func combine(a, b *Record, liveness, owner bool) Record {
	out := *a
	if liveness {
		out.Incarnation, out.Status = b.Incarnation, b.Status
	}
	if owner {
		out.Member.Addr = b.Member.Addr
		out.Datacenter = b.Datacenter
		out.OwnerIncarnation, out.Version = b.OwnerIncarnation, b.Version
		out.Coordinate = b.Coordinate
		out.Services = b.Services
		out.Left, out.Key, out.Signature = b.Left, b.Key, b.Signature
	}
	return out
}

// livenessLess reports whether a's liveness part is beaten by b's.
func livenessLess(a, b *Record) bool {
	return livenessBelow(a.Incarnation, a.Status, b.Incarnation, b.Status)
}

// livenessBelow reports whether (incA, a) is beaten by (incB, b): a lower
// incarnation, or the same one with a weaker status.
func livenessBelow(incA uint64, a Status, incB uint64, b Status) bool {
	if incA != incB {
		return incA < incB
	}
	return a < b
}
