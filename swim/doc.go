// Package swim will hold failure detection of the active peers: SWIM (Das,
// Gupta and Motivala, DSN 2002) with the Lifeguard refinements (Dadgar,
// Phillips and Currey, 2018), as a deterministic state machine in the shape
// of package hyparview. It owns probing, indirect probes, suspicion,
// incarnations and local health; it opens no sockets and reads no clock.
package swim
