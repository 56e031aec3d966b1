package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one sub-command of overlayd.
type command struct {
	name     string
	synopsis string // one line for the command list
	// usage is the help text after the "Usage:" line: what the command
	// does, and an example.
	usage string
	args  string // the arguments after the flags, for the usage line
	// run runs the command with its arguments, writing results to out and
	// diagnostics to errOut. It returns the process exit code.
	run func(ctx context.Context, args []string, out, errOut io.Writer) int
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed
	exitUsage = 2 // the command line was wrong
)

// newFlagSet returns a flag set for c whose -h prints c's full help.
func (c *command) newFlagSet(errOut io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("overlayd "+c.name, flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() { c.printHelp(fs, errOut) }
	return fs
}

// printHelp prints c's usage line, description, example and flags.
func (c *command) printHelp(fs *flag.FlagSet, w io.Writer) {
	line := "overlayd " + c.name
	if hasFlags(fs) {
		line += " [flags]"
	}
	if c.args != "" {
		line += " " + c.args
	}
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", line, strings.TrimSpace(c.usage))
	if hasFlags(fs) {
		fmt.Fprintf(w, "\nFlags:\n")
		fs.PrintDefaults()
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseFlags parses args into fs and returns the exit code to stop with,
// if parsing ended the command: -h asked for help (exit 0) or a flag was
// wrong (exit 2, after the flag package printed the error and the help).
func parseFlags(fs *flag.FlagSet, args []string) (stop bool, code int) {
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return true, exitOK
	case err != nil:
		return true, exitUsage
	}
	return false, exitOK
}

// usageError prints msg and a pointer to the command's help, and returns
// the usage exit code.
func (c *command) usageError(errOut io.Writer, format string, a ...any) int {
	fmt.Fprintf(errOut, "overlayd %s: %s\nRun 'overlayd %s -h' for help.\n", c.name, fmt.Sprintf(format, a...), c.name)
	return exitUsage
}

// fail prints err as the command's failure and returns the error exit
// code.
func (c *command) fail(errOut io.Writer, err error) int {
	fmt.Fprintf(errOut, "overlayd %s: %v\n", c.name, err)
	return exitError
}

// stringList is a flag that may be given several times, each value
// appended; a value may also hold several items separated by commas.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}
