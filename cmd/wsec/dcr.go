package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"wsec/internal/cli"
	"wsec/internal/client"
	"wsec/internal/dcr"
)

func runDCR(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := cli.Subcommand("wsec", "dcr", []string{"create", "assign", "unassign", "list", "delete"}, args, stdout)
	if err != nil {
		return err
	}
	fs := newFlagSet("dcr "+sub, stderr)
	cf := addClientFlags(fs)
	name := fs.String("name", "", "rule name")
	var set *string
	var xpaths, groups stringsFlag
	var group *string
	switch sub {
	case "create":
		set = fs.String("set", "None", "event set: All, Common, Minimal or None (united with the queries)")
		fs.Var(&xpaths, "xpath", "XPath query 'Channel!XPath' (repeatable)")
		fs.Var(&groups, "group", "machine group to assign the rule to (repeatable)")
	case "assign", "unassign":
		group = fs.String("group", "", "machine group")
	}
	asJSON := fs.Bool("json", false, "print JSON")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if sub != "list" && *name == "" {
		return cli.UsageError("--name is required")
	}
	c, err := cf.client(client.Options{})
	if err != nil {
		return err
	}
	var rules []dcr.Rule
	switch sub {
	case "create":
		r, err := c.PutRule(ctx, dcr.Rule{Name: *name, EventSet: *set, XPathQueries: xpaths, Groups: groups})
		if err != nil {
			return err
		}
		rules = append(rules, r)
	case "assign", "unassign":
		if *group == "" {
			return cli.UsageError("--group is required")
		}
		r, err := c.AssignRule(ctx, *name, *group, sub == "unassign")
		if err != nil {
			return err
		}
		rules = append(rules, r)
	case "delete":
		return c.DeleteRule(ctx, *name)
	case "list":
		if rules, err = c.ListRules(ctx); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rules)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSET\tGROUPS\tQUERIES")
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.EventSet, strings.Join(r.Groups, ","), strings.Join(r.XPathQueries, " | "))
	}
	return tw.Flush()
}
