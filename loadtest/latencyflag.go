package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/overlayd/overlayd/loadtest/sim"
	"github.com/overlayd/overlayd/overlay/netem"
)

// sameHostLatency is the one-way delay between two simulated nodes placed on
// the same host of an RTT matrix: a loopback hop.
const sameHostLatency = 250 * time.Microsecond

// linksHelp documents the -links flag of every experiment.
const linksHelp = "one-way link latency: const:DUR, uniform:MIN,MAX, or matrix:FILE (an all-pairs RTT matrix in ms; links carry half the RTT)"

// parseLinks turns a -links value into a latency model.
func parseLinks(spec string) (sim.Latency, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	switch kind {
	case "const":
		d, err := time.ParseDuration(arg)
		if err != nil {
			return nil, fmt.Errorf("-links %q: %w", spec, err)
		}
		return sim.Constant(d), nil
	case "uniform":
		lo, hi, ok := strings.Cut(arg, ",")
		if !ok {
			return nil, fmt.Errorf("-links %q: want uniform:MIN,MAX", spec)
		}
		min, err := time.ParseDuration(lo)
		if err != nil {
			return nil, fmt.Errorf("-links %q: %w", spec, err)
		}
		max, err := time.ParseDuration(hi)
		if err != nil {
			return nil, fmt.Errorf("-links %q: %w", spec, err)
		}
		return sim.Uniform{Min: min, Max: max}, nil
	case "matrix":
		m, err := netem.LoadRTTMatrix(arg, time.Millisecond)
		if err != nil {
			return nil, fmt.Errorf("-links %q: %w", spec, err)
		}
		return sim.MatrixLatency{M: m, SameHost: sameHostLatency}, nil
	}
	return nil, fmt.Errorf("-links %q: want const:DUR, uniform:MIN,MAX or matrix:FILE", spec)
}
