package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/overlayd/overlayd/node/api/client"
)

var statusCommand = &command{
	name:     "status",
	synopsis: "show the local agent: its name, incarnation and members; a health probe",
	usage: `
Shows the local agent as it describes itself: its node name, datacenter,
address, SWIM incarnation and version, and how many members its catalog
holds by status. It exits 0 if the agent answers and 1 if it does not, so
it serves as a health probe where the API listens on loopback only (a
Kubernetes exec probe, a Docker HEALTHCHECK). With -min-alive N it also
exits 1 until the agent counts at least N members alive, itself included:
a readiness probe for "has joined a cluster of at least N".

Example:
  overlayd status
  overlayd status -min-alive 2 -timeout 2s
`,
}

func init() { statusCommand.run = runStatus }

func runStatus(ctx context.Context, args []string, out, errOut io.Writer) int {
	c := statusCommand
	var cf clientFlags
	var minAlive int
	fs := c.newFlagSet(errOut)
	cf.register(fs)
	fs.IntVar(&minAlive, "min-alive", 0, "exit 1 unless at least this `many` members are alive, the agent included")
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError(errOut, "unexpected argument %q", fs.Arg(0))
	}
	ctx, cancel := context.WithTimeout(ctx, cf.timeout)
	defer cancel()
	self, err := cf.client().Self(ctx)
	if err != nil {
		return c.fail(errOut, cf.explain(err))
	}
	members, err := cf.client().Members(ctx)
	if err != nil {
		return c.fail(errOut, cf.explain(err))
	}
	counts := countByStatus(members)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Node:\t%s\n", self.Name)
	fmt.Fprintf(tw, "Datacenter:\t%s\n", self.Datacenter)
	fmt.Fprintf(tw, "Address:\t%s:%d\n", self.Addr, self.Port)
	fmt.Fprintf(tw, "Incarnation:\t%d\n", self.Incarnation)
	fmt.Fprintf(tw, "Version:\t%s\n", self.Version)
	fmt.Fprintf(tw, "Members:\t%d alive, %d suspect, %d dead, %d left\n",
		counts["alive"], counts["suspect"], counts["dead"], counts["left"])
	if self.DataDirError != "" {
		fmt.Fprintf(tw, "Data dir:\tfailing: %s\n", self.DataDirError)
	}
	tw.Flush()
	if counts["alive"] < minAlive {
		return c.fail(errOut, fmt.Errorf("%d member(s) alive, want at least %d (-min-alive)", counts["alive"], minAlive))
	}
	return exitOK
}

// countByStatus counts members by their status.
func countByStatus(members []client.Member) map[string]int {
	counts := make(map[string]int, 4)
	for _, m := range members {
		counts[m.Status]++
	}
	return counts
}
