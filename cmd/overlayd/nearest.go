package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/overlayd/overlayd/node/api/client"
)

var nearestCommand = &command{
	name:     "nearest",
	synopsis: "show the nearest healthy instances of a service",
	args:     "NAME",
	usage: `
Prints the passing instances of service NAME nearest to the local agent,
nearest first, with their estimated round-trip time. When the datacenter
asked for (this agent's by default) has none, the answer comes from the
nearest datacenter that has one, and says so.

Example:
  overlayd nearest web
  overlayd nearest -n 1 -tag v2 -dc dc2 web
`,
}

func init() { nearestCommand.run = runNearest }

func runNearest(ctx context.Context, args []string, out, errOut io.Writer) int {
	c := nearestCommand
	var cf clientFlags
	var opts client.NearestOptions
	fs := c.newFlagSet(errOut)
	cf.register(fs)
	fs.IntVar(&opts.N, "n", 3, "show at most this `many` instances")
	fs.StringVar(&opts.Datacenter, "dc", "", "look in this `datacenter` first (default: the agent's)")
	fs.StringVar(&opts.Tag, "tag", "", "only instances with this `tag`")
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() != 1 {
		return c.usageError(errOut, "want one service name, got %d arguments", fs.NArg())
	}
	if opts.N < 1 {
		return c.usageError(errOut, "-n %d: want at least 1", opts.N)
	}
	ctx, cancel := context.WithTimeout(ctx, cf.timeout)
	defer cancel()
	ans, err := cf.client().Nearest(ctx, fs.Arg(0), opts)
	if err != nil {
		return c.fail(errOut, cf.explain(err))
	}
	if len(ans.Instances) == 0 {
		fmt.Fprintf(out, "no passing instance of %s in any datacenter\n", fs.Arg(0))
		return exitOK
	}
	if ans.FailedOver {
		fmt.Fprintf(out, "%s has no passing instance of %s; nearest datacenter with one: %s\n",
			ans.RequestedDatacenter, fs.Arg(0), ans.Datacenter)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Node\tDC\tInstance\tAddress\tTags\tRTT")
	for _, in := range ans.Instances {
		addr := in.ServiceAddress
		if addr == "" {
			addr = in.NodeAddress
		}
		rtt := time.Duration(in.EstimatedRTTSeconds * float64(time.Second))
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s:%d\t%s\t%s\n", in.Node, in.Datacenter, in.ServiceID, addr, in.ServicePort,
			strings.Join(in.ServiceTags, ","), formatRTT(rtt, in.RTTKnown))
	}
	tw.Flush()
	return exitOK
}
