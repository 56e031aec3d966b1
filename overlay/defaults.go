package overlay

// SetDefault sets *field to def when it holds its zero value. Every
// configuration in overlayd follows that rule (ARCHITECTURE.md: "the zero
// value of a field means its default"), and fills its defaults with this.
func SetDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}
