package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"text/tabwriter"
	"time"

	"wsec/internal/analytics/investigate"
	"wsec/internal/cli"
	"wsec/internal/client"
	"wsec/internal/protocol"
)

func runEntity(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	kind, args, err := cli.Subcommand("wsec", "entity", []string{investigate.Account, investigate.Host, investigate.IP}, args, stdout)
	if err != nil {
		return err
	}
	value, args := leadingArg(args)
	fs := newFlagSet("entity "+kind, stderr)
	cf := addClientFlags(fs)
	from := fs.String("from", "", "start of the range, RFC 3339 (default: 24h before --to)")
	to := fs.String("to", "", "end of the range, RFC 3339, exclusive (default: now)")
	limit := fs.Int("limit", investigate.DefaultLimit, "at most this many events")
	asJSON := fs.Bool("json", false, "print JSON (the API's answer)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if value == "" {
		if value = fs.Arg(0); value == "" {
			return cli.UsageError(fmt.Sprintf("give the %s: wsec entity %s VALUE [--from T --to T]", kind, kind))
		}
	}
	q := url.Values{"limit": {strconv.Itoa(*limit)}}
	for name, v := range map[string]string{"from": *from, "to": *to} {
		if v == "" {
			continue
		}
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			return cli.UsageError(fmt.Sprintf("--%s %q: want an RFC 3339 time, e.g. 2019-03-19T00:00:00Z", name, v))
		}
		q.Set(name, v)
	}
	c, err := cf.client(client.Options{})
	if err != nil {
		return err
	}
	var res investigate.PivotResult
	if err := c.GetJSON(ctx, protocol.PathEntities+"/"+kind+"/"+url.PathEscape(value), q, &res); err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, res)
	}
	fmt.Fprintf(stdout, "%s %s, %s .. %s: %d events\n\n", kind, value, res.From.Format(time.RFC3339), res.To.Format(time.RFC3339), len(res.Events))
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COUNT\tEVENT\tACTIVITY")
	for _, n := range res.Counts {
		fmt.Fprintf(tw, "%d\t%s/%d\t%s\n", n.Count, n.Table, n.EventID, n.Activity)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "TIME\t\tCOMPUTER\tEVENT\tACCOUNT\tIP\tACTIVITY")
	for i := range res.Events {
		writeEvent(tw, "", &res.Events[i])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if res.Truncated {
		fmt.Fprintf(stdout, "only the first %d events are shown; raise --limit or narrow --from/--to\n", len(res.Events))
	}
	return nil
}
