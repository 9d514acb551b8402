package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

func TestMainExitCodes(t *testing.T) {
	cmds := map[string]Command{
		"ok":    {"succeeds", func(context.Context, []string, io.Writer, io.Writer) error { return nil }},
		"fail":  {"fails", func(context.Context, []string, io.Writer, io.Writer) error { return errors.New("disk full") }},
		"usage": {"misused", func(context.Context, []string, io.Writer, io.Writer) error { return UsageError("--name is required") }},
		"flags": {"parses flags", func(_ context.Context, args []string, _, stderr io.Writer) error {
			fs := FlagSet("prog", "flags", stderr)
			fs.Bool("v", false, "verbose")
			return Parse(fs, args)
		}},
	}
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"ok"}, 0, ""},
		{[]string{"fail"}, 1, "prog fail: disk full"},
		{[]string{"usage"}, 2, "prog usage: --name is required"},
		{[]string{"flags", "-h"}, 0, "-v"},
		{[]string{"flags", "--help"}, 0, "-v"},
		{[]string{"flags", "--nope"}, 2, "flag provided but not defined"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"flgas"}, 2, `unknown command "flgas" (did you mean "flags"?)`},
		{nil, 2, "usage: prog <command>"},
	} {
		var stderr bytes.Buffer
		if code := Main(context.Background(), "prog", cmds, c.args, io.Discard, &stderr); code != c.code || !strings.Contains(stderr.String(), c.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr.String(), c.code, c.err)
		}
	}
}

// TestMainHelp: asking for help is not an error: exit 0, the command list
// on stdout.
func TestMainHelp(t *testing.T) {
	cmds := map[string]Command{"ok": {"succeeds", func(context.Context, []string, io.Writer, io.Writer) error { return nil }}}
	for _, arg := range []string{"-h", "--help", "help", "-help"} {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), "prog", cmds, []string{arg}, &stdout, &stderr)
		if code != 0 || !strings.Contains(stdout.String(), "usage: prog <command>") || !strings.Contains(stdout.String(), "succeeds") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 0 and the command list on stdout", arg, code, stdout.String(), stderr.String())
		}
	}
}

func TestSubcommand(t *testing.T) {
	subs := []string{"create", "list", "rotate-key"}
	for _, c := range []struct {
		args    []string
		sub     string
		err     string // "" success; "help": flag.ErrHelp
		stdout  string
		isUsage bool
	}{
		{[]string{"list", "--json"}, "list", "", "", false},
		{[]string{"-h"}, "", "help", "usage: prog ws <create|list|rotate-key> [flags]", false},
		{[]string{"--help"}, "", "help", "prog ws <subcommand> -h", false},
		{[]string{"help"}, "", "help", "usage: prog ws", false},
		{nil, "", "want a subcommand: create, list or rotate-key", "", true},
		{[]string{"lsit"}, "", `unknown subcommand "lsit" (did you mean "list"?): want create, list or rotate-key`, "", true},
	} {
		var stdout bytes.Buffer
		sub, rest, err := Subcommand("prog", "ws", subs, c.args, &stdout)
		switch {
		case c.err == "" && (err != nil || sub != c.sub || len(rest) != len(c.args)-1):
			t.Errorf("%v: %q %v %v; want %q", c.args, sub, rest, err, c.sub)
		case c.err == "help" && !errors.Is(err, flag.ErrHelp):
			t.Errorf("%v: %v, want flag.ErrHelp", c.args, err)
		case c.err != "" && c.err != "help" && (err == nil || err.Error() != c.err):
			t.Errorf("%v: %v, want %q", c.args, err, c.err)
		case c.isUsage && !errors.As(err, new(UsageError)):
			t.Errorf("%v: %T is not a UsageError", c.args, err)
		case !strings.Contains(stdout.String(), c.stdout):
			t.Errorf("%v: stdout %q, want %q", c.args, stdout.String(), c.stdout)
		}
	}
}

// TestBytesFlag: sizes with and without units, and refusals.
func TestBytesFlag(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1GiB": 1 << 30, "512MiB": 512 << 20, "64mb": 64 << 20, "4096": 4096, "2 TiB": 2 << 40, "10B": 10} {
		var b Bytes
		if err := b.Set(in); err != nil || int64(b) != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, b, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1.5GiB", "GiB", "1PiB", "99999999999TiB"} {
		var b Bytes
		if err := b.Set(in); err == nil {
			t.Errorf("Set(%q) = %d, want an error", in, b)
		}
	}
	for n, want := range map[Bytes]string{1 << 30: "1GiB", 512 << 20: "512MiB", 0: "0", 1000: "1000"} {
		if got := n.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int64(n), got, want)
		}
	}
}
