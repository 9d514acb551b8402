package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"wsec/internal/cli"
	"wsec/internal/client"
	"wsec/internal/kql"
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
		return explainQueryError(err, fs.Arg(0))
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
				if i < len(t.Columns) && t.Columns[i].Type == "datetime" {
					v = tableTime(v)
				}
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

// tableTimeLayout prints every datetime of a table with the same seven
// fraction digits (the store's 100 ns resolution, as Azure prints them),
// so a column of times lines up and sorts by eye.
const tableTimeLayout = "2006-01-02T15:04:05.0000000Z"

// tableTime renders a datetime cell in tableTimeLayout (UTC); anything
// that is not an RFC 3339 time is left as it is.
func tableTime(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return v
	}
	return t.UTC().Format(tableTimeLayout)
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

// queryErrorPos is the "line:column: " the workspace puts before a refused
// query's message.
var queryErrorPos = regexp.MustCompile(`^(\d+):(\d+): `)

// explainQueryError shows a query the workspace refused as the position
// once, the message, and the query's line with a caret under the spot.
func explainQueryError(err error, query string) error {
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusBadRequest {
		return err
	}
	m := queryErrorPos.FindStringSubmatch(ce.Message)
	if m == nil {
		return err
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	msg := fmt.Sprintf("line %d, column %d: %s", line, col, ce.Message[len(m[0]):])
	if ex := kql.Excerpt(query, line, col); ex != "" {
		msg += "\n" + ex
	}
	return errors.New(msg)
}
