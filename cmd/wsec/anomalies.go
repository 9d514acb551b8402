package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"wsec/internal/cli"
	"wsec/internal/client"
	"wsec/internal/rdpscan"
)

func runAnomalies(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rdp" {
		return cli.UsageError("usage: wsec anomalies rdp [--from T] [--to T] [--format table|json]")
	}
	fs := newFlagSet("anomalies rdp", stderr)
	cf := addClientFlags(fs)
	from := fs.String("from", "", "start of the scored period, RFC 3339 (default: 24h before --to)")
	to := fs.String("to", "", "end of the scored period, RFC 3339, exclusive (default: now)")
	format := fs.String("format", "table", "output: table (with explanations) or json (the API's answer)")
	if err := cli.Parse(fs, args[1:]); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return cli.UsageError(fmt.Sprintf("--format %q: want table or json", *format))
	}
	q := url.Values{}
	for name, v := range map[string]string{"from": *from, "to": *to} {
		if v == "" {
			continue
		}
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			return cli.UsageError(fmt.Sprintf("--%s %q: want an RFC 3339 time, e.g. 2026-11-24T00:00:00Z", name, v))
		}
		q.Set(name, v)
	}
	c, err := cf.client(client.Options{})
	if err != nil {
		return err
	}
	var res rdpscan.Response
	if err := c.GetJSON(ctx, rdpscan.PathRDP, q, &res); err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return writeAnomalies(stdout, &res)
}

func writeAnomalies(w io.Writer, res *rdpscan.Response) error {
	geo := "off (wsec geoip set --city F --asn F, or wsec serve --geoip-city F --geoip-asn F)"
	if res.GeoIP.City || res.GeoIP.ASN {
		geo = strings.Join(res.GeoIP.Editions, ", ") + "; " + res.GeoIP.Attribution
	}
	fmt.Fprintf(w, "RDP anomalies %s..%s (baseline from %s, %d logon records, %d failed logons); GeoIP: %s\n",
		res.From.Format(time.RFC3339), res.To.Format(time.RFC3339), res.BaselineFrom.Format(time.DateOnly),
		res.Logons, res.Failures, geo)
	if len(res.Anomalies) == 0 {
		fmt.Fprintln(w, "no anomalies")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCORE\tSTART\tUSER\tSOURCE\tLOCATION\tDESTINATION\tREASONS")
	for _, a := range res.Anomalies {
		loc := strings.Trim(strings.Join([]string{a.SourceLocation.CountryCode, a.SourceLocation.City,
			asnText(a.SourceLocation.ASN, a.SourceLocation.ASNOrg)}, " "), " ")
		if loc == "" {
			loc = a.SourceLocation.Class
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Score, a.StartTime.Format(time.RFC3339), a.UserName,
			a.SourceIPAddress, loc, a.DestinationDevice, strings.Join(append(a.AnomalyReasons, a.ExtendedProperties.Corroborations...), ","))
		fmt.Fprintf(tw, "\t  %s\n", a.Description)
	}
	return tw.Flush()
}

func asnText(asn uint32, org string) string {
	if asn == 0 {
		return ""
	}
	return fmt.Sprintf("AS%d %s", asn, org)
}
