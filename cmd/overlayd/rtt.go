package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

var rttCommand = &command{
	name:     "rtt",
	synopsis: "estimate the round-trip time between two members",
	args:     "NODE [NODE]",
	usage: `
Estimates the round-trip time between two members from their Vivaldi
coordinates, as the local agent's catalog holds them. With one node, the
estimate is from the local agent to that node. Nothing is measured: the
answer costs no network traffic.

Example:
  overlayd rtt web-3
  overlayd rtt web-3 db-1
`,
}

func init() { rttCommand.run = runRTT }

func runRTT(ctx context.Context, args []string, out, errOut io.Writer) int {
	c := rttCommand
	var cf clientFlags
	fs := c.newFlagSet(errOut)
	cf.register(fs)
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	var from, to string
	switch fs.NArg() {
	case 1:
		to = fs.Arg(0)
	case 2:
		from, to = fs.Arg(0), fs.Arg(1)
	default:
		return c.usageError(errOut, "want one or two node names, got %d", fs.NArg())
	}
	ctx, cancel := context.WithTimeout(ctx, cf.timeout)
	defer cancel()
	est, err := cf.client().RTT(ctx, from, to)
	if err != nil {
		return c.fail(errOut, cf.explain(err))
	}
	if from == "" {
		from = "this agent"
	}
	if !est.Known {
		fmt.Fprintf(out, "%s to %s: unknown (no coordinate yet)\n", from, to)
		return exitOK
	}
	rtt := time.Duration(est.EstimatedRTTSeconds * float64(time.Second))
	fmt.Fprintf(out, "%s to %s: %s (estimated)\n", from, to, formatRTT(rtt, true))
	return exitOK
}
