package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"wsec/internal/analytics"
	"wsec/internal/analytics/pack"
	"wsec/internal/cli"
	"wsec/internal/client"
	"wsec/internal/server"
	"wsec/internal/sigma"
)

// leadingArg splits off a positional argument written before the flags
// (wsec analytics backfill RULE --from T), which package flag would take
// as the end of the flags.
func leadingArg(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runAnalytics(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := cli.Subcommand("wsec", "analytics", []string{"import", "list", "enable", "disable", "run", "backfill", "webhook"}, args, stdout)
	if err != nil {
		return err
	}
	if sub == "webhook" {
		return runWebhook(ctx, args, stdout, stderr)
	}
	name, args := leadingArg(args)
	fs := newFlagSet("analytics "+sub, stderr)
	cf := addClientFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	var disabled, withPack *bool
	var from, to *string
	switch sub {
	case "import":
		disabled = fs.Bool("disabled", false, "import the rules disabled")
		withPack = fs.Bool("pack", false, "import wsec's default rule pack")
	case "backfill":
		from = fs.String("from", "", "start of the range, RFC 3339 (2019-03-19T00:00:00Z)")
		to = fs.String("to", "", "end of the range, RFC 3339")
	}
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	co := client.Options{}
	if sub == "backfill" {
		// One request evaluates every window of the range (suppression
		// carries across them): it may take minutes, up to the server's
		// write timeout. Ctrl-C cancels it.
		co.HTTP = &http.Client{Timeout: server.DefaultWriteTimeout}
	}
	c, err := cf.client(co)
	if err != nil {
		return err
	}
	if sub == "import" {
		paths := fs.Args()
		if name != "" {
			paths = append([]string{name}, paths...)
		}
		return importRules(ctx, c, paths, *withPack, *disabled, *asJSON, stdout, stderr)
	}
	if sub == "list" {
		var out struct {
			Rules []analytics.RuleInfo `json:"rules"`
		}
		if err := c.Analytics(ctx, http.MethodGet, "", nil, &out); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(stdout, out.Rules)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tKIND\tSEVERITY\tENABLED\tEVERY\tLAST WINDOW\tPROBLEM")
		for _, r := range out.Rules {
			last := "-"
			if !r.Cursor.IsZero() {
				last = r.Cursor.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\t%s\t%s\n", r.Name, r.Kind, r.Severity, r.Enabled, r.Frequency, last, r.Problem+r.LastError)
		}
		return tw.Flush()
	}
	if name == "" {
		if name = fs.Arg(0); name == "" {
			return cli.UsageError("give the rule's ID or name")
		}
	}
	path := "/" + url.PathEscape(name) + "/" + sub
	var out any
	switch sub {
	case "enable", "disable":
		out = new(analytics.RuleInfo)
	case "run":
		out = new(analytics.Outcome)
	case "backfill":
		f, err1 := time.Parse(time.RFC3339, *from)
		t, err2 := time.Parse(time.RFC3339, *to)
		if err1 != nil || err2 != nil {
			return cli.UsageError("--from and --to are required, as RFC 3339 times (2019-03-19T00:00:00Z)")
		}
		path += "?from=" + url.QueryEscape(f.Format(time.RFC3339)) + "&to=" + url.QueryEscape(t.Format(time.RFC3339))
		out = new(analytics.BackfillResult)
		fmt.Fprintf(stderr, "backfilling %s from %s to %s ...\n", name, *from, *to)
	}
	if err := c.Analytics(ctx, http.MethodPost, path, nil, out); err != nil {
		return err
	}
	if !*asJSON {
		switch o := out.(type) {
		case *analytics.RuleInfo:
			fmt.Fprintf(stdout, "%s: enabled=%v\n", o.Name, o.Enabled)
			return nil
		case *analytics.BackfillResult:
			fmt.Fprintf(stdout, "%d windows, %d result rows, %d alerts, incidents %v\n", o.Windows, o.Results, o.Alerts, o.Incidents)
			return nil
		}
	}
	return printJSON(stdout, out)
}

// importRules sends each YAML file (folders are searched) and the pack.
func importRules(ctx context.Context, c *client.Client, paths []string, withPack, disabled, asJSON bool, stdout, stderr io.Writer) error {
	type src struct {
		name string
		body []byte
	}
	var srcs []src
	if withPack {
		files, names, err := pack.Files()
		if err != nil {
			return err
		}
		for _, n := range names {
			srcs = append(srcs, src{"pack/" + filepath.Base(n), files[n]})
		}
	}
	sigmaRules, sigmaProblems := 0, 0
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if !sigma.IsRuleFile(b) {
				srcs = append(srcs, src{path, b})
				return nil
			}
			rules, problems, err := sigma.AnalyticsRules(path, b)
			if err != nil {
				fmt.Fprintf(stderr, "%s: not a Sigma rule: %v\n", path, err)
				sigmaProblems++
				return nil
			}
			for _, pr := range problems {
				fmt.Fprintf(stderr, "%s: %s: cannot run in the workspace: %v\n", path, pr.Title, pr.Err)
			}
			sigmaProblems += len(problems)
			for _, r := range rules {
				srcs = append(srcs, src{path, r.Raw})
			}
			sigmaRules += len(rules)
			return nil
		})
		if err != nil {
			return err
		}
	}
	if sigmaRules+sigmaProblems > 0 {
		fmt.Fprintf(stderr, "Sigma: %d detection rules become analytics rules, %d cannot run in the workspace (reasons above)\n", sigmaRules, sigmaProblems)
	}
	if len(srcs) == 0 {
		if sigmaProblems > 0 {
			return fmt.Errorf("none of the %d Sigma rules can run in the workspace", sigmaProblems)
		}
		return cli.UsageError("give rule YAML files or folders (Sentinel or Sigma), or --pack")
	}
	q := ""
	if disabled {
		q = "?disabled=true"
	}
	failed := 0
	var imported []analytics.RuleInfo
	for _, s := range srcs {
		var ri analytics.RuleInfo
		if err := c.Analytics(ctx, http.MethodPost, q, s.body, &ri); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", s.name, err)
			failed++
			continue
		}
		imported = append(imported, ri)
		if !asJSON {
			state := "enabled"
			switch {
			case ri.Problem != "":
				state = "disabled: " + ri.Problem
			case !ri.Enabled:
				state = "disabled"
			}
			fmt.Fprintf(stdout, "%s: %s (%s) %s\n", s.name, ri.Name, ri.Kind, state)
			if len(ri.Unknown) > 0 {
				fmt.Fprintf(stdout, "  fields kept but not interpreted: %s\n", strings.Join(ri.Unknown, ", "))
			}
		}
	}
	if asJSON {
		if err := printJSON(stdout, imported); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d rules refused", failed, len(srcs))
	}
	return nil
}
