package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// experiment is one `go run ./loadtest NAME` sub-command.
type experiment struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var experiments = []experiment{
	{"hyparview", "HyParView under massive failure (the DSN 2007 paper's §5)", runHyParView},
	{"plumtree", "Plumtree broadcast trees: stable, churn, failures (SRDS 2007 §4); -latency FILE", runPlumtree},
	{"converge", "full node.Cores: join, crash and partition convergence, bandwidth", runConverge},
	{"swim", "full node.Cores: failure detection time and false positives", runSWIM},
	{"cluster", "real agents over real QUIC in this process: bootstrap, crash, partition, churn, broadcast, query", runCluster},
	{"vivaldi", "full node.Cores on an RTT matrix: coordinate error and nearest selection", runVivaldi},
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

// dispatch runs the experiment args name and returns the exit status.
func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, e := range experiments {
		if e.name == args[0] {
			err := e.run(args[1:], stdout, stderr)
			switch {
			case errors.Is(err, flag.ErrHelp):
				return 0
			case err != nil:
				fmt.Fprintf(stderr, "loadtest %s: %v\n", e.name, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "loadtest: unknown experiment %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: go run ./loadtest EXPERIMENT [flags]")
	fmt.Fprintln(w, "\nExperiments (EXPERIMENT -h lists its flags):")
	for _, e := range experiments {
		fmt.Fprintf(w, "  %-10s %s\n", e.name, e.summary)
	}
	fmt.Fprintln(w, "\nExample: go run ./loadtest hyparview -n 10000 -json")
}

// newFlagSet returns a flag set whose errors come back to the caller and
// whose -h output names the experiment and shows an example. Every
// experiment also takes -cpuprofile; see parseFlags.
func newFlagSet(name, about, example string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof reads it)")
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./loadtest %s [flags]\n\n%s\n\nFlags:\n", name, about)
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nExample: %s\n", example)
	}
	return fs
}

// parseFlags parses an experiment's flags and starts the CPU profile that
// -cpuprofile asks for; the caller must call stop when the run ends.
func parseFlags(fs *flag.FlagSet, args []string) (stop func(), err error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	path := fs.Lookup("cpuprofile").Value.String()
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// endWithJSON ends an experiment's report with its result as one JSON
// line, when -json asked for it.
func endWithJSON(w io.Writer, asJSON bool, result any) error {
	if !asJSON {
		return nil
	}
	return json.NewEncoder(w).Encode(result)
}
