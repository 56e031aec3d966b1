package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/overlayd/overlayd/node/services"
)

var servicesCommand = &command{
	name:     "services",
	synopsis: "list, register or deregister the local agent's services",
	args:     "[register FILE | deregister ID]",
	usage: `
Without arguments, lists the service instances registered on the local agent,
with their health and checks.

  register FILE   registers the services defined in FILE: one definition,
                  or a list, in the JSON shape of Consul's
                  /v1/agent/service/register body ("-" reads standard input)
  deregister ID   removes the instance with that ID

Example:
  overlayd services
  overlayd services register web.json
  overlayd services deregister web-1

where web.json holds:
  {"ID": "web-1", "Name": "web", "Port": 8080, "Tags": ["v2"],
   "Check": {"HTTP": "http://127.0.0.1:8080/health", "Interval": "10s"}}
`,
}

func init() { servicesCommand.run = runServices }

func runServices(ctx context.Context, args []string, out, errOut io.Writer) int {
	c := servicesCommand
	// The verb may come before the flags or after them.
	var verb string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		verb, args = args[0], args[1:]
	}
	var cf clientFlags
	fs := c.newFlagSet(errOut)
	cf.register(fs)
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	rest := fs.Args()
	if verb == "" && len(rest) > 0 {
		verb, rest = rest[0], rest[1:]
	}
	ctx, cancel := context.WithTimeout(ctx, cf.timeout)
	defer cancel()
	switch {
	case verb == "" && len(rest) == 0:
		return listServices(ctx, c, &cf, out, errOut)
	case verb == "register" && len(rest) == 1:
		return registerServices(ctx, c, &cf, rest[0], out, errOut)
	case verb == "deregister" && len(rest) == 1:
		if err := cf.client().DeregisterService(ctx, rest[0]); err != nil {
			return c.fail(errOut, cf.explain(err))
		}
		fmt.Fprintf(out, "deregistered %s\n", rest[0])
		return exitOK
	case verb == "register" || verb == "deregister":
		return c.usageError(errOut, "%s takes exactly one argument", verb)
	default:
		return c.usageError(errOut, "unknown sub-command %q: want register or deregister", verb)
	}
}

func listServices(ctx context.Context, c *command, cf *clientFlags, out, errOut io.Writer) int {
	list, err := cf.client().Services(ctx)
	if err != nil {
		return c.fail(errOut, cf.explain(err))
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tService\tAddress\tTags\tHealth\tChecks")
	for _, s := range list {
		var checks []string
		for _, ch := range s.Checks {
			checks = append(checks, ch.ID+"="+ch.Status)
		}
		addr := s.Address
		if addr == "" {
			addr = "(node)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s:%d\t%s\t%s\t%s\n", s.ID, s.Name, addr, s.Port,
			strings.Join(s.Tags, ","), s.Health, strings.Join(checks, " "))
	}
	tw.Flush()
	return exitOK
}

func registerServices(ctx context.Context, c *command, cf *clientFlags, path string, out, errOut io.Writer) int {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return c.fail(errOut, err)
	}
	defs, err := services.ParseFile(data)
	if err != nil {
		return c.fail(errOut, fmt.Errorf("%s: %w", path, err))
	}
	for _, d := range defs {
		if err := cf.client().RegisterService(ctx, d); err != nil {
			return c.fail(errOut, fmt.Errorf("registering %s: %w", d.ID, cf.explain(err)))
		}
		fmt.Fprintf(out, "registered %s (%s)\n", d.ID, d.Name)
	}
	return exitOK
}
