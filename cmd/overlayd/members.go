package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/overlayd/overlayd/node/api/client"
)

var membersCommand = &command{
	name:     "members",
	synopsis: "list the cluster's members as the local agent sees them",
	usage: `
Lists every member the local agent knows: its name, address, datacenter,
status (alive, suspect, dead or left) and the round-trip time estimated from
this agent by Vivaldi coordinates. Members are sorted by name. -detailed adds
each member's SWIM incarnation, which rises when a member refutes a
suspicion of itself or restarts.

Example:
  overlayd members
  overlayd members -status alive -dc dc2
  overlayd members -detailed
`,
}

func init() { membersCommand.run = runMembers }

func runMembers(ctx context.Context, args []string, out, errOut io.Writer) int {
	c := membersCommand
	var cf clientFlags
	var status, dc string
	var detailed bool
	fs := c.newFlagSet(errOut)
	cf.register(fs)
	fs.StringVar(&status, "status", "", "show only members with this `status`: alive, suspect, dead or left")
	fs.StringVar(&dc, "dc", "", "show only members of this `datacenter`")
	fs.BoolVar(&detailed, "detailed", false, "add each member's incarnation")
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError(errOut, "unexpected argument %q", fs.Arg(0))
	}
	switch status {
	case "", "alive", "suspect", "dead", "left":
	default:
		return c.usageError(errOut, "-status %q: want alive, suspect, dead or left", status)
	}
	ctx, cancel := context.WithTimeout(ctx, cf.timeout)
	defer cancel()
	members, err := cf.client().Members(ctx)
	if err != nil {
		return c.fail(errOut, cf.explain(err))
	}
	members = slices.DeleteFunc(members, func(m client.Member) bool {
		return status != "" && m.Status != status || dc != "" && m.Datacenter != dc
	})
	slices.SortFunc(members, func(a, b client.Member) int { return strings.Compare(a.Name, b.Name) })
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	header := "Node\tAddress\tDC\tStatus\tRTT"
	if detailed {
		header += "\tIncarnation"
	}
	fmt.Fprintln(tw, header)
	for _, m := range members {
		fmt.Fprintf(tw, "%s\t%s:%d\t%s\t%s\t%s", m.Name, m.Addr, m.Port, m.Datacenter, m.Status, formatRTT(m.RTT, m.RTTKnown))
		if detailed {
			fmt.Fprintf(tw, "\t%d", m.Incarnation)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	return exitOK
}

// formatRTT prints an estimated RTT in milliseconds, or "-" when unknown.
func formatRTT(d time.Duration, known bool) string {
	if !known {
		return "-"
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
