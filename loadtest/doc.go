// Command loadtest runs overlayd's experiments: thousands of protocol state
// machines in the discrete-event simulator of package sim, measured against
// the figures of the papers the protocols come from; and real agents over
// real QUIC in this process (cluster), measured by their own views and
// counters.
//
//	go run ./loadtest hyparview [-n 1000] [-seed 1] [-json]
//	go run ./loadtest plumtree [-n 1000] [-latency FILE]
//	go run ./loadtest converge [-n 1000]
//	go run ./loadtest swim [-n 1000]
//	go run ./loadtest cluster [-n 200] [-scenario crash] [-net matrix:FILE] [-plot DIR]
//
// Run it without arguments for the list of experiments, and with
// `EXPERIMENT -h` for an experiment's flags. Progress goes to stderr, the
// report to stdout; with -json the report ends with one JSON line.
package main
