package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"wsec/internal/cli"
	"wsec/internal/sigma"
)

func runSigma(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := cli.Subcommand("wsec", "sigma", []string{"kql", "check"}, args, stdout)
	if err != nil {
		return err
	}
	fs := newFlagSet("sigma "+sub, stderr)
	allProblems := fs.Bool("problems", false, "list every rule that does not run (default: the first 20)")
	fs.Usage = func() {
		switch sub {
		case "kql":
			fmt.Fprintln(stderr, "usage: wsec sigma kql RULES...\n\nPrints the KQL each Sigma rule becomes in the workspace (SecurityEvent / WindowsEvent).")
		case "check":
			fmt.Fprintln(stderr, "usage: wsec sigma check RULES...\n\nReports, per log source, how many Sigma rules run offline (wsec hunt) and in the workspace (KQL), and why the others do not.")
		}
		fs.PrintDefaults()
	}
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return cli.UsageError("give Sigma rule files or folders")
	}
	rules, loadProblems, err := sigma.Load(fs.Args())
	if err != nil {
		return err
	}
	rs := sigma.Compile(rules, sigma.Options{})
	problems := append(loadProblems, rs.Problems...)
	switch sub {
	case "kql":
		for _, c := range rs.Rules {
			q, err := sigma.ToKQL(c)
			if err != nil {
				fmt.Fprintf(stdout, "// %s (%s): %v\n\n", c.Rule.Title, c.Rule.Path, err)
				continue
			}
			fmt.Fprintf(stdout, "// %s (%s)\n%s\n\n", c.Rule.Title, c.Rule.Path, q)
		}
		for _, c := range rs.Correlations {
			q, err := sigma.CorrelationToKQL(c)
			if err != nil {
				fmt.Fprintf(stdout, "// %s (%s, %s correlation): %v\n\n", c.Rule.Title, c.Rule.Path, c.Type, err)
				continue
			}
			fmt.Fprintf(stdout, "// %s (%s, %s correlation, counted every %s)\n%s\n\n", c.Rule.Title, c.Rule.Path, c.Type, c.Window, q)
		}
	case "check":
		type count struct{ hunt, kql, not int }
		by := map[string]*count{}
		get := func(k string) *count {
			if by[k] == nil {
				by[k] = &count{}
			}
			return by[k]
		}
		for _, c := range rs.Rules {
			n := get(c.Rule.LogSource.String())
			n.hunt++
			if _, err := sigma.ToKQL(c); err == nil {
				n.kql++
			} else {
				problems = append(problems, sigma.Problem{Path: c.Rule.Path, Title: c.Rule.Title, ID: c.Rule.ID, Category: c.Rule.LogSource.String(), Err: err})
			}
		}
		for _, p := range rs.Problems {
			get(p.Category).not++
		}
		keys := make([]string, 0, len(by))
		for k := range by {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "log source\toffline\tKQL\tnot running\t")
		tot := count{}
		for _, k := range keys {
			n := by[k]
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", k, n.hunt, n.kql, n.not)
			tot.hunt, tot.kql, tot.not = tot.hunt+n.hunt, tot.kql+n.kql, tot.not+n.not
		}
		fmt.Fprintf(tw, "total (%d rules, %d files unreadable)\t%d\t%d\t%d\t\n", len(rules)+len(loadProblems), len(loadProblems), tot.hunt, tot.kql, tot.not)
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	printRuleProblems(stderr, "sigma "+sub, problems, *allProblems)
	return nil
}
