package catalog

import (
	"bytes"
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/overlayd/overlayd/vivaldi"
)

// cmpOwner orders the owner parts of two records of one member. The
// primary key is (OwnerIncarnation, Version); the rest only breaks ties
// between different owner parts published under one version, so that
// Merge stays deterministic even then. The order is total, and two owner
// parts compare equal only when they are identical, bit for bit: nil and
// empty slices or maps differ (nil first), and so do -0 and +0.
func cmpOwner(a, b *Record) int {
	if c := cmp.Compare(a.OwnerIncarnation, b.OwnerIncarnation); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Version, b.Version); c != 0 {
		return c
	}
	if c := strings.Compare(a.Datacenter, b.Datacenter); c != 0 {
		return c
	}
	if c := strings.Compare(a.Member.Addr, b.Member.Addr); c != 0 {
		return c
	}
	if c := cmpCoordinate(a.Coordinate, b.Coordinate); c != 0 {
		return c
	}
	if c := cmpServices(a.Services, b.Services); c != 0 {
		return c
	}
	return cmp.Or(
		cmpPresence(!a.Left, !b.Left),
		cmpBytes(a.Key, b.Key),
		cmpBytes(a.Signature, b.Signature),
	)
}

// cmpBytes orders byte strings bytewise, nil first.
func cmpBytes(a, b []byte) int {
	return cmp.Or(cmpPresence(a == nil, b == nil), bytes.Compare(a, b))
}

// cmpServices orders service lists element by element, nil first.
func cmpServices(a, b []Service) int {
	if c := cmpPresence(a == nil, b == nil); c != 0 {
		return c
	}
	return slices.CompareFunc(a, b, cmpService)
}

func cmpService(a, b Service) int {
	if c := cmp.Or(
		strings.Compare(a.ID, b.ID),
		strings.Compare(a.Name, b.Name),
		strings.Compare(a.Address, b.Address),
		cmp.Compare(a.Port, b.Port),
		cmp.Compare(a.Health, b.Health),
	); c != 0 {
		return c
	}
	if c := cmpPresence(a.Tags == nil, b.Tags == nil); c != 0 {
		return c
	}
	if c := slices.Compare(a.Tags, b.Tags); c != 0 {
		return c
	}
	return cmpMeta(a.Meta, b.Meta)
}

// cmpMeta orders maps as their sequences of (key, value) pairs sorted by
// key, nil first.
func cmpMeta(a, b map[string]string) int {
	if c := cmpPresence(a == nil, b == nil); c != 0 {
		return c
	}
	ka, kb := sortedKeys(a), sortedKeys(b)
	return slices.CompareFunc(ka, kb, func(x, y string) int {
		return cmp.Or(strings.Compare(x, y), strings.Compare(a[x], b[y]))
	})
}

// cmpCoordinate orders coordinates, nil first.
func cmpCoordinate(a, b *vivaldi.Coordinate) int {
	if c := cmpPresence(a == nil, b == nil); c != 0 || a == nil {
		return c
	}
	if c := cmpPresence(a.Vec == nil, b.Vec == nil); c != 0 {
		return c
	}
	return cmp.Or(
		slices.CompareFunc(a.Vec, b.Vec, cmpFloat),
		cmpFloat(a.Error, b.Error),
		cmpFloat(a.Adjustment, b.Adjustment),
		cmpFloat(a.Height, b.Height),
	)
}

// cmpFloat orders floats by value, then by bit pattern, so that only
// identical values compare equal (-0 before +0).
func cmpFloat(a, b float64) int {
	return cmp.Or(cmp.Compare(a, b), cmp.Compare(math.Float64bits(b), math.Float64bits(a)))
}

// cmpPresence orders an absent value (nil) before a present one.
func cmpPresence(aNil, bNil bool) int {
	switch {
	case aNil == bNil:
		return 0
	case aNil:
		return -1
	}
	return 1
}

// sortedKeys returns the keys of m in increasing order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
