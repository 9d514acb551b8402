package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"wsec/internal/analytics"
	"wsec/internal/analytics/incident"
	"wsec/internal/cli"
	"wsec/internal/client"
)

func runIncidents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := cli.Subcommand("wsec", "incidents", []string{"list", "show", "assign", "comment", "close", "reopen"}, args, stdout)
	if err != nil {
		return err
	}
	num, args := leadingArg(args)
	fs := newFlagSet("incidents "+sub, stderr)
	cf := addClientFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	var req analytics.ChangeRequest
	fs.StringVar(&req.Author, "as", "", "who makes the change (default: api)")
	switch sub {
	case "assign":
		fs.StringVar(&req.Owner, "owner", "", "the analyst the incident is assigned to")
	case "comment":
		fs.StringVar(&req.Message, "message", "", "the comment")
	case "close":
		fs.StringVar(&req.Classification, "classification", "", "TruePositive, BenignPositive, FalsePositive or Undetermined")
		fs.StringVar(&req.Reason, "reason", "", "classification reason (e.g. SuspiciousActivity, IncorrectAlertLogic)")
		fs.StringVar(&req.Comment, "comment", "", "closing comment")
	}
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	c, err := cf.client(client.Options{})
	if err != nil {
		return err
	}
	if sub == "list" {
		var out struct {
			Incidents []incident.Incident `json:"incidents"`
		}
		if err := c.Incidents(ctx, http.MethodGet, "", nil, &out); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(stdout, out.Incidents)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NUMBER\tSEVERITY\tSTATUS\tOWNER\tALERTS\tLAST ACTIVITY\tTITLE")
		for _, in := range out.Incidents {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", in.Number, in.Severity, in.Status, in.Owner.AssignedTo,
				len(in.AlertIDs), in.LastActivity.Format(time.RFC3339), in.Title)
		}
		return tw.Flush()
	}
	if num == "" {
		if num = fs.Arg(0); num == "" {
			return cli.UsageError("give the incident number")
		}
	}
	var in incident.Incident
	if sub == "show" {
		err = c.Incidents(ctx, http.MethodGet, "/"+num, nil, &in)
	} else {
		body, _ := json.Marshal(req)
		err = c.Incidents(ctx, http.MethodPost, "/"+num+"/"+sub, body, &in)
	}
	if err != nil {
		return err
	}
	if *asJSON || sub == "show" {
		return printJSON(stdout, in)
	}
	fmt.Fprintf(stdout, "incident %d: %s, owner %q, %d comments %s\n", in.Number, in.Status, in.Owner.AssignedTo, len(in.Comments),
		strings.TrimSpace(in.Classification))
	return nil
}
