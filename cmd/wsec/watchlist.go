package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"wsec/internal/cli"
	"wsec/internal/watchlist"
)

// runWatchlist manages a workspace's watchlists in the server's data
// directory; queries read them with _GetWatchlist('alias').
func runWatchlist(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := cli.Subcommand("wsec", "watchlist", []string{"add", "list", "delete"}, args, stdout)
	if err != nil {
		return err
	}
	fs := newFlagSet("watchlist "+sub, stderr)
	data := fs.String("data", envDefault("WSEC_DATA", "wsec-data"), "data directory of the workspace server")
	ws := fs.String("workspace", envDefault("WSEC_WORKSPACE", ""), "workspace ID")
	asJSON := fs.Bool("json", false, "print JSON")
	var searchKey *string
	if sub == "add" {
		searchKey = fs.String("search-key", "", "the CSV column _GetWatchlist returns as SearchKey (required)")
	}
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if *ws == "" {
		return cli.UsageError("--workspace is required (or set WSEC_WORKSPACE)")
	}
	want := map[string]int{"add": 2, "list": 0, "delete": 1}[sub]
	if fs.NArg() != want {
		return cli.UsageError(map[string]string{
			"add":    "usage: wsec watchlist add --workspace ID --search-key COLUMN ALIAS FILE.csv",
			"list":   "usage: wsec watchlist list --workspace ID",
			"delete": "usage: wsec watchlist delete --workspace ID ALIAS",
		}[sub])
	}
	st := watchlist.Open(*data)
	switch sub {
	case "add":
		if *searchKey == "" {
			return cli.UsageError("--search-key is required: the column _GetWatchlist returns as SearchKey")
		}
		f, err := os.Open(fs.Arg(1))
		if err != nil {
			return err
		}
		defer f.Close()
		info, err := st.Add(*ws, fs.Arg(0), *searchKey, f, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "watchlist %s: %d rows, columns %s; query it with _GetWatchlist('%s')\n", info.Alias, info.Rows, strings.Join(info.Columns, ", "), info.Alias)
		return nil
	case "delete":
		if err := st.Delete(*ws, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "watchlist %s deleted\n", fs.Arg(0))
		return nil
	}
	list, err := st.List(*ws)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(list)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ALIAS\tSEARCH KEY\tROWS\tUPDATED\tCOLUMNS")
	for _, w := range list {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", w.Alias, w.SearchKey, w.Rows, w.Updated.Format(time.RFC3339), strings.Join(w.Columns, ", "))
	}
	return tw.Flush()
}
