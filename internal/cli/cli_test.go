package cli

import (
	"bytes"
	"context"
	"errors"
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
		{[]string{"flags", "-h"}, 2, "-v"},
		{[]string{"flags", "--nope"}, 2, "flag provided but not defined"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{nil, 2, "usage: prog <command>"},
	} {
		var stderr bytes.Buffer
		if code := Main(context.Background(), "prog", cmds, c.args, io.Discard, &stderr); code != c.code || !strings.Contains(stderr.String(), c.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr.String(), c.code, c.err)
		}
	}
}
