package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
)

// commands lists overlayd's sub-commands in the order help shows them.
var commands = []*command{
	agentCommand,
	devCommand,
	membersCommand,
	statusCommand,
	rttCommand,
	joinCommand,
	leaveCommand,
	servicesCommand,
	nearestCommand,
	tlsCommand,
}

func main() {
	// The first SIGINT or SIGTERM cancels ctx: the agent leaves
	// gracefully and a client command gives up. A second one kills the
	// process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches args to a sub-command and returns the exit code.
func run(ctx context.Context, args []string, out, errOut io.Writer) int {
	if len(args) == 0 {
		printCommands(errOut)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				return c.run(ctx, []string{"-h"}, out, out)
			}
		}
		printCommands(out)
		return exitOK
	case "version", "-version", "--version":
		fmt.Fprintln(out, "overlayd", version())
		return exitOK
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(errOut, "overlayd: unknown command %q\n\n", name)
		printCommands(errOut)
		return exitUsage
	}
	return c.run(ctx, args[1:], out, errOut)
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func printCommands(w io.Writer) {
	fmt.Fprint(w, `overlayd is a service-discovery agent: every machine runs one, they form an
overlay, and each answers "which healthy instance of service X is nearest to
me?" over a Consul-shaped HTTP API on 127.0.0.1:7947 and DNS on 127.0.0.1:7953.

Usage: overlayd COMMAND [flags] [arguments]

Commands:
`)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.synopsis)
	}
	fmt.Fprintf(tw, "  %s\t%s\n", "version", "print overlayd's version")
	tw.Flush()
	fmt.Fprint(w, `
Run 'overlayd COMMAND -h' for a command's flags and an example.
Try it on one machine: 'overlayd dev' starts a 32-node cluster in one process.
`)
}
