// Package cli runs the subcommands of wsec's binaries one way: a table of
// commands, a usage listing, and the same exit codes everywhere — 0 done,
// 1 failed, 2 called wrongly — so scripts can tell a typo from an outage.
// Asking for help (-h, --help, help) is not an error: it prints the usage
// and exits 0. A mistyped command or subcommand gets a "did you mean".
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"wsec/internal/suggest"
)

// Command is one subcommand; Run parses its own flags from args.
type Command struct {
	Summary string
	Run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// UsageError marks an error in how a command was called: exit code 2.
type UsageError string

func (e UsageError) Error() string { return string(e) }

// Main runs the command args[0] of prog and returns the exit code.
func Main(ctx context.Context, prog string, cmds map[string]Command, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		Usage(stderr, prog, cmds)
		return 2
	}
	if isHelp(args[0]) {
		Usage(stdout, prog, cmds)
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "%s: unknown command %q%s\n\n", prog, args[0], didYouMean(args[0], slices.Collect(maps.Keys(cmds))))
		Usage(stderr, prog, cmds)
		return 2
	}
	err := c.Run(ctx, args[1:], stdout, stderr)
	var ue UsageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s %s: %v\n", prog, args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "%s %s: %v\n", prog, args[0], err)
		return 1
	}
}

// Usage lists the commands.
func Usage(w io.Writer, prog string, cmds map[string]Command) {
	fmt.Fprintf(w, "usage: %s <command> [flags] [args]\n\ncommands:\n", prog)
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].Summary)
	}
	fmt.Fprintf(w, "\nrun '%s <command> -h' for a command's flags\n", prog)
}

// FlagSet returns a flag set for prog's command name that reports errors
// to stderr instead of exiting.
func FlagSet(prog, name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(prog+" "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// Parse parses args with fs; a bad flag is a UsageError (its message is
// already printed with the flag listing), -h is flag.ErrHelp.
func Parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return UsageError(err.Error())
}

// Subcommand splits args into the subcommand (one of subs) of prog's
// command cmd and the subcommand's arguments. -h, --help and help print
// the subcommands to stdout and return flag.ErrHelp; a missing or unknown
// subcommand is a UsageError, with a suggestion for a likely typo.
func Subcommand(prog, cmd string, subs, args []string, stdout io.Writer) (sub string, rest []string, err error) {
	want := strings.Join(subs[:len(subs)-1], ", ") + " or " + subs[len(subs)-1]
	if len(subs) == 1 {
		want = subs[0]
	}
	if len(args) == 0 {
		return "", nil, UsageError("want a subcommand: " + want)
	}
	if isHelp(args[0]) {
		fmt.Fprintf(stdout, "usage: %s %s <%s> [flags]\n\nrun '%s %s <subcommand> -h' for a subcommand's flags\n",
			prog, cmd, strings.Join(subs, "|"), prog, cmd)
		return "", nil, flag.ErrHelp
	}
	if !slices.Contains(subs, args[0]) {
		return "", nil, UsageError(fmt.Sprintf("unknown subcommand %q%s: want %s", args[0], didYouMean(args[0], subs), want))
	}
	return args[0], args[1:], nil
}

func isHelp(arg string) bool {
	return arg == "help" || arg == "-h" || arg == "-help" || arg == "--help"
}

// didYouMean is " (did you mean "x"?)" for the candidate nearest to name,
// or "" when none is close.
func didYouMean(name string, candidates []string) string {
	if s := suggest.Nearest(name, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}
