package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"wsec/internal/cli"
	"wsec/internal/client"
)

func runQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("query", stderr)
	cf := addClientFlags(fs)
	format := fs.String("format", "table", "output: table, json (the query API's answer) or csv")
	timespan := fs.String("timespan", "", "ISO 8601 duration or start/end the query covers, e.g. P1D (default: all time)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.UsageError("give the KQL query as one argument, e.g. wsec query 'SecurityEvent | summarize count() by EventID'")
	}
	if *format != "table" && *format != "json" && *format != "csv" {
		return cli.UsageError(fmt.Sprintf("--format %q: want table, json or csv", *format))
	}
	c, err := cf.client(client.Options{})
	if err != nil {
		return err
	}
	res, err := c.Query(ctx, fs.Arg(0), *timespan)
	if err != nil {
		return err
	}
	if p := res.Partial(); p != "" { // after the rows, where it is seen
		defer fmt.Fprintf(stderr, "warning: partial result: %s\n", p)
	}
	switch *format {
	case "json":
		_, err := stdout.Write(append(res.Raw(), '\n'))
		return err
	case "csv":
		w := csv.NewWriter(stdout)
		for _, t := range res.Tables {
			hdr := make([]string, len(t.Columns))
			for i, col := range t.Columns {
				hdr[i] = col.Name
			}
			w.Write(hdr)
			for _, row := range t.Rows {
				rec := make([]string, len(row))
				for i, v := range row {
					rec[i] = cellText(v)
				}
				w.Write(rec)
			}
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for ti, t := range res.Tables {
		if ti > 0 {
			fmt.Fprintln(tw)
		}
		hdr := make([]string, len(t.Columns))
		for i, col := range t.Columns {
			hdr[i] = col.Name
		}
		fmt.Fprintln(tw, strings.Join(hdr, "\t"))
		for _, row := range t.Rows {
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = tableCellSpace.Replace(cellText(v))
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, t := range res.Tables {
		fmt.Fprintf(stderr, "%d rows\n", len(t.Rows))
	}
	return nil
}

// tableCellSpace keeps a table cell on one line and its tabs from opening
// columns. A Replacer is safe for concurrent use, so one serves every cell.
var tableCellSpace = strings.NewReplacer("\t", " ", "\n", " ", "\r", "")

// cellText renders a JSON-decoded cell: integers without a fraction,
// objects and arrays as compact JSON, null as empty.
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == float64(int64(x)) && x < 1e15 && x > -1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v) // decoded JSON always marshals
	return string(b)
}
