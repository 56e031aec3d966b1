// Package vivaldi will hold network coordinates after Dabek, Cox, Kaashoek
// and Morris (SIGCOMM 2004) and "Network Coordinates in the Wild" (NSDI
// 2007): the coordinate, its error estimate, the latency filter and the
// distance estimate, fed by probe round-trip times. It is pure computation:
// no clock, sockets or goroutines.
package vivaldi
