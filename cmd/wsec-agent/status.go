package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"wsec/internal/agent"
)

// runStatus is `wsec-agent status --config FILE [--json]`: the running
// agent's state, from its local endpoint when it has one, else from the
// status file it rewrites every few seconds.
func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var asJSON bool
	c, _, err := configFlag("status", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the status as JSON")
	})
	if err != nil {
		return err
	}
	var st agent.Status
	var from string
	if c.Listen != "" {
		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		st, err = agent.FetchStatus(fctx, c.Listen)
		cancel()
		from = "http://" + c.Listen + "/status"
	}
	if c.Listen == "" || err != nil {
		if st, err = agent.ReadStatus(c.DataDir); err != nil {
			return err
		}
		from = agent.StatusPath(c.DataDir)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	printStatus(stdout, st, from, time.Now())
	return nil
}

func printStatus(w io.Writer, st agent.Status, from string, now time.Time) {
	age := now.Sub(st.Updated).Round(time.Second)
	fmt.Fprintf(w, "agent %s on %s, version %s, pid %d, up since %s\n", st.AgentID, st.Computer, st.Version, st.PID, st.Started.Format(time.RFC3339))
	fmt.Fprintf(w, "status from %s, %v old", from, age)
	if age > time.Minute {
		fmt.Fprint(w, " (stale: is the agent running?)")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DESTINATION\tQUEUED\tSENT\tACKED SEQ\tRETRIES\tRULES\tSTATE\tLAST ERROR")
	for _, d := range st.Destinations {
		state := "ok"
		switch {
		case d.Detached:
			state = "detached: " + d.DetachedReason
		case !d.Healthy:
			state = "retrying"
		}
		rules := d.Rules.Source + ":" + d.Rules.EventSet
		if len(d.Rules.Rules) > 0 {
			rules = fmt.Sprintf("workspace:%v", d.Rules.Rules)
		}
		lastErr := d.LastError
		if d.Rules.LastError != "" {
			lastErr = d.Rules.LastError
		}
		if d.HeartbeatError != "" && lastErr == "" {
			lastErr = d.HeartbeatError
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", d.Name, d.Queued, d.Sent, d.AckedSeq, d.Retries, rules, state, clip(lastErr, 120))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tREAD\tPOSITION\tBOOKMARK\tSTATE")
	for _, s := range st.Streams {
		state := "reading"
		switch {
		case s.LastError != "":
			state = "error: " + clip(s.LastError, 120)
		case s.Done:
			state = "done"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", s.Name, s.Events, s.Position, s.Bookmark, state)
	}
	tw.Flush()
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
