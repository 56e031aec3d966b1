// Package clock is the node runtime's source of time. [Clock] is what the
// agent's event loop, its joiner and the in-memory transport ask for the
// time and for timers; [Real] is the system clock, and [Fake] a clock that
// only moves when a test advances it, so that a test can run minutes of a
// cluster's life in seconds and know what each component has seen.
//
// The protocol state machines never read a clock: the runtime passes the
// time to them. This package is for the runtime and its tests only.
package clock
