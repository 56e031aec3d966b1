package catalog

// Stats counts what a [Catalog] did with the records it was given.
// Counters only grow; Tombstones is a gauge.
type Stats struct {
	// Tombstones is the number of tombstones held.
	Tombstones int

	// Changed counts records applied that changed the catalog.
	Changed uint64
	// Unchanged counts valid records that changed nothing: repeated, older
	// or weaker news, or news of a forgotten member at or below its
	// tombstone.
	Unchanged uint64
	// BelowTombstone counts the part of Unchanged refused by a tombstone.
	BelowTombstone uint64
	// Invalid counts records refused by validation.
	Invalid uint64
	// Full counts records of new members refused because the catalog was
	// full.
	Full uint64
	// Expired counts records forgotten by Expire.
	Expired uint64
	// TombstonesDropped counts tombstones dropped to stay within
	// MaxTombstones.
	TombstonesDropped uint64
}
