package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"wsec/internal/analytics"
	"wsec/internal/analytics/incident"
	"wsec/internal/analytics/investigate"
	"wsec/internal/cli"
	"wsec/internal/client"
	"wsec/internal/protocol"
)

func runIncidents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := cli.Subcommand("wsec", "incidents", []string{"list", "show", "investigate", "assign", "comment", "close", "reopen"}, args, stdout)
	if err != nil {
		return err
	}
	num, args := leadingArg(args)
	fs := newFlagSet("incidents "+sub, stderr)
	cf := addClientFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	var req analytics.ChangeRequest
	fs.StringVar(&req.Author, "as", "", "who makes the change (default: api)")
	var margin *time.Duration
	var limit *int
	switch sub {
	case "investigate":
		margin = fs.Duration("margin", investigate.DefaultMargin, "how far before the first activity and after the last the timeline reaches")
		limit = fs.Int("limit", investigate.DefaultLimit, "at most this many events")
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
	if sub == "investigate" {
		var inv investigate.Investigation
		q := url.Values{"margin": {margin.String()}, "limit": {strconv.Itoa(*limit)}}
		if err := c.GetJSON(ctx, protocol.PathIncidents+"/"+url.PathEscape(num)+"/investigation", q, &inv); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(stdout, inv)
		}
		return writeInvestigation(stdout, &inv)
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

// writeInvestigation prints an incident's entities and timeline.
func writeInvestigation(w io.Writer, inv *investigate.Investigation) error {
	in := inv.Incident
	fmt.Fprintf(w, "incident %d: %s (%s, %s)\nactivity %s .. %s, timeline %s .. %s\n\n", in.Number, in.Title, in.Severity, in.Status,
		in.FirstActivity.Format(time.RFC3339), in.LastActivity.Format(time.RFC3339), inv.From.Format(time.RFC3339), inv.To.Format(time.RFC3339))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENTITY\tPIVOT\tIDENTIFIERS")
	for _, e := range inv.Entities {
		ids := make([]string, 0, len(e.Identifiers))
		for k, v := range e.Identifiers {
			ids = append(ids, k+"="+v)
		}
		slices.Sort(ids)
		pivot := "-"
		if e.Kind != "" {
			pivot = "wsec entity " + e.Kind + " " + strconv.Quote(e.Value)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Type, pivot, strings.Join(ids, " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	names := map[string]string{}
	for _, a := range inv.Alerts {
		names[a.ID] = a.Name
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\t\tCOMPUTER\tEVENT\tACCOUNT\tIP\tACTIVITY")
	for _, it := range inv.Timeline {
		if it.Kind == "alert" {
			fmt.Fprintf(tw, "%s\tALERT\t\t\t\t\t%s\n", it.Time.Format(time.RFC3339), names[it.Alert])
			continue
		}
		mark := ""
		if len(it.Behind) > 0 {
			mark = "*"
		}
		writeEvent(tw, mark, it.Event)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\n* the event is behind an alert (in its activity span, on one of its entities)")
	if inv.Truncated {
		fmt.Fprintln(w, "the timeline was cut at --limit events; raise it or narrow --margin")
	}
	return nil
}

func writeEvent(tw io.Writer, mark string, e *investigate.Event) {
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s/%d\t%s\t%s\t%s\n", e.Time.Format(time.RFC3339), mark, e.Computer, e.Table, e.EventID,
		e.Account, e.IPAddress, e.Activity)
}
