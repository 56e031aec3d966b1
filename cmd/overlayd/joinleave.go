package main

import (
	"context"
	"fmt"
	"io"
)

var joinCommand = &command{
	name:     "join",
	synopsis: "make the local agent join a cluster through the given addresses",
	args:     "ADDR...",
	usage: `
Asks the local agent to join the cluster through each address (IP or
IP:port; the port defaults to 7946). It succeeds if at least one answers.
An agent started with -join keeps retrying by itself; this command is for
joining by hand.

Example:
  overlayd join 10.0.0.5 10.0.0.6:7946
`,
}

var leaveCommand = &command{
	name:     "leave",
	synopsis: "make the local agent leave the cluster gracefully and stop",
	usage: `
Asks the local agent to leave: it tells the cluster it is leaving (its
members then show it as "left", not "dead"), drains its messages and stops,
within 5 seconds. SIGTERM or SIGINT to the agent does the same.

Example:
  overlayd leave
`,
}

func init() {
	joinCommand.run = runJoin
	leaveCommand.run = runLeave
}

func runJoin(ctx context.Context, args []string, out, errOut io.Writer) int {
	c := joinCommand
	var cf clientFlags
	fs := c.newFlagSet(errOut)
	cf.register(fs)
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() == 0 {
		return c.usageError(errOut, "want at least one address to join through")
	}
	var addrs []string
	for _, a := range fs.Args() {
		full, err := withDefaultPort(a, defaultGossipPort)
		if err != nil {
			return c.usageError(errOut, "%v", err)
		}
		addrs = append(addrs, full)
	}
	ctx, cancel := context.WithTimeout(ctx, cf.timeout)
	defer cancel()
	joined := 0
	for _, a := range addrs {
		if err := cf.client().Join(ctx, a); err != nil {
			fmt.Fprintf(errOut, "overlayd join: %s: %v\n", a, cf.explain(err))
			continue
		}
		joined++
	}
	if joined == 0 {
		return exitError
	}
	fmt.Fprintf(out, "joined through %d of %d address(es)\n", joined, len(addrs))
	return exitOK
}

func runLeave(ctx context.Context, args []string, out, errOut io.Writer) int {
	c := leaveCommand
	var cf clientFlags
	fs := c.newFlagSet(errOut)
	cf.register(fs)
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError(errOut, "unexpected argument %q", fs.Arg(0))
	}
	ctx, cancel := context.WithTimeout(ctx, cf.timeout)
	defer cancel()
	if err := cf.client().Leave(ctx); err != nil {
		return c.fail(errOut, cf.explain(err))
	}
	fmt.Fprintln(out, "left the cluster")
	return exitOK
}
