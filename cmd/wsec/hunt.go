package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"wsec/internal/cli"
	"wsec/internal/event"
	"wsec/internal/hunt"
	"wsec/internal/logfile"
	"wsec/internal/sigma"
)

func runHunt(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("hunt", stderr)
	var ruleDirs stringsFlag
	fs.Var(&ruleDirs, "sigma", "Sigma rule file or folder (repeatable; folders are read recursively)")
	fs.Var(&ruleDirs, "rules", "same as --sigma")
	format := fs.String("format", "table", "output: table, csv or jsonl")
	from := fs.String("from", "", "only events at or after this time (RFC 3339, e.g. 2024-05-01T00:00:00Z)")
	to := fs.String("to", "", "only events before this time (RFC 3339)")
	workers := fs.Int("workers", 0, "goroutines decoding and matching EVTX chunks (0: all cores)")
	quiet := fs.Bool("quiet", !isTerminal(stderr), "no progress line (default when stderr is not a terminal)")
	allProblems := fs.Bool("problems", false, "list every rule that does not compile (default: the first 20)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: wsec hunt --sigma DIR [flags] PATH...\n\nRuns Sigma rules over EVTX or event-XML files and folders, with no workspace, and prints\nthe timeline of what matched, then a summary per rule on stderr.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if len(ruleDirs) == 0 {
		fs.Usage()
		return cli.UsageError("give the Sigma rules with --sigma DIR")
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return cli.UsageError("give at least one EVTX or event-XML file or folder")
	}
	var o hunt.Options
	o.Workers = *workers
	for _, t := range []struct {
		flag, v string
		dst     *time.Time
	}{{"--from", *from, &o.From}, {"--to", *to, &o.To}} {
		if t.v == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339Nano, t.v)
		if err != nil {
			return cli.UsageError(fmt.Sprintf("%s %q: want an RFC 3339 time such as 2024-05-01T00:00:00Z", t.flag, t.v))
		}
		*t.dst = v
	}
	write, flush, err := newFindingWriter(*format, stdout)
	if err != nil {
		return err
	}
	// Reading and compiling the rules allocates about 105 MB, most of it
	// garbage by the end, while the heap it keeps only grows: collecting
	// during it marked that growing heap several times over. With no
	// collection until the rules are compiled, a hunt took 0.04-0.09 CPU-s
	// less on the big file and 0.01-0.02 less on the corpus (alternated
	// with the build before, 16 runs, load 12-14), for 3-26 MB more peak
	// memory, spent once before the first event. The soft limit keeps a
	// rule set far larger than SigmaHQ's from growing without bound.
	rules, loadProblems, rs, err := loadRules(ruleDirs)
	if err != nil {
		return err
	}
	// A hunt allocates about 2.5 KB per event decoded and keeps the
	// compiled rules live; collecting at 5x the live heap rather than 2x
	// cut a hunt over the EVTX corpus by about a fifth of its CPU, for
	// about 35 MB more peak memory (still flat in the input's size).
	debug.SetGCPercent(400)
	problems := append(loadProblems, rs.Problems...)
	if len(rs.Rules) == 0 {
		printRuleProblems(stderr, "hunt", problems, true)
		return fmt.Errorf("none of the %d rules in %s compiles", len(rules)+len(loadProblems), strings.Join(ruleDirs, ", "))
	}
	files, err := logfile.Expand(fs.Args())
	if err != nil {
		return err
	}
	var totalBytes int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			totalBytes += st.Size()
		}
	}
	prog := newProgress(stderr, totalBytes, *quiet)
	prog.label, prog.unit = "hunt", "findings"
	cur := 0
	o.Progress = func(file int, done, _ int64) {
		for ; cur < file; cur++ {
			prog.fileDone(0)
		}
		prog.file(done, 0)
	}
	start := time.Now()
	sum, err := hunt.Run(ctx, rs, files, o, func(f hunt.Finding) error {
		prog.records(1)
		return write(f)
	})
	prog.finish()
	if ferr := flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	if err != nil {
		return err
	}
	printHuntSummary(stderr, rs, sum, time.Since(start))
	printRuleProblems(stderr, "hunt", problems, *allProblems)
	if sum.Files == sum.Unreadable {
		return fmt.Errorf("nothing could be read from %d file(s)", sum.Files)
	}
	return nil
}

// loadRules reads and compiles the rules with the collector off (see
// runHunt), under a soft memory limit, and restores both.
func loadRules(dirs []string) ([]*sigma.Rule, []sigma.Problem, *sigma.Ruleset, error) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(512 << 20))
	rules, problems, err := sigma.Load(dirs)
	if err != nil {
		return nil, nil, nil, err
	}
	return rules, problems, sigma.Compile(rules, sigma.Options{}), nil
}

func printHuntSummary(w io.Writer, rs *sigma.Ruleset, sum hunt.Summary, took time.Duration) {
	secs := max(took.Seconds(), 1e-6)
	fmt.Fprintf(w, "wsec hunt: %d rules (%d correlations) over %d files (%d unreadable), %d events, %.1f MB in %s (%.0f events/s, %.1f MB/s): %d findings, %d correlation hits\n",
		len(rs.Rules), len(rs.Correlations), sum.Files, sum.Unreadable, sum.Events, float64(sum.Bytes)/1e6, took.Round(time.Millisecond),
		float64(sum.Events)/secs, float64(sum.Bytes)/1e6/secs, sum.Findings, len(sum.Correlations))
	type row struct {
		c *sigma.Compiled
		n int64
	}
	var rows []row
	for c, n := range sum.ByRule {
		rows = append(rows, row{c, n})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].n != rows[j].n {
			return rows[i].n > rows[j].n
		}
		return rows[i].c.Rule.Title < rows[j].c.Rule.Title
	})
	for _, r := range rows {
		fmt.Fprintf(w, "  %6d  %-13s %s\n", r.n, r.c.Rule.Level, r.c.Rule.Title)
	}
	for _, h := range sum.Correlations {
		var g []string
		for _, f := range h.Group {
			g = append(g, f.Name+"="+f.Value)
		}
		fmt.Fprintf(w, "  correlation %-13s %s: %d from %s to %s %s\n", h.Rule.Rule.Level, h.Rule.Rule.Title, h.Count,
			h.First.UTC().Format(time.RFC3339), h.Last.UTC().Format(time.RFC3339), strings.Join(g, " "))
	}
	for _, p := range sum.Problems {
		fmt.Fprintln(w, "  problem: "+p)
	}
}

// printRuleProblems lists the rules that do not run and why, with a count
// per reason first.
func printRuleProblems(w io.Writer, cmd string, problems []sigma.Problem, all bool) {
	if len(problems) == 0 {
		return
	}
	unsupported := 0
	for _, p := range problems {
		if p.Unsupported() {
			unsupported++
		}
	}
	fmt.Fprintf(w, "wsec %s: %d rules do not run (%d valid Sigma wsec does not support, %d invalid):\n", cmd, len(problems), unsupported, len(problems)-unsupported)
	for i, p := range problems {
		if i == 20 && !all {
			fmt.Fprintf(w, "  … %d more (--problems lists all)\n", len(problems)-i)
			break
		}
		name := p.Path
		if p.Title != "" {
			name += " (" + p.Title + ")"
		}
		msg := p.Err.Error()
		msg = strings.TrimPrefix(msg, p.Path+": ")
		fmt.Fprintf(w, "  %s: %s\n", name, msg)
	}
}

// newFindingWriter returns a function writing one finding and one flushing
// the output.
func newFindingWriter(format string, stdout io.Writer) (func(hunt.Finding) error, func() error, error) {
	out := bufio.NewWriterSize(stdout, 1<<16)
	switch format {
	case "table":
		out.WriteString("TIME CREATED                  COMPUTER                  CHANNEL                   EVENT  LEVEL     RULE                                               FIELDS\n")
		var line []byte
		return func(f hunt.Finding) error {
			e := f.Event
			line = e.System.TimeCreated.UTC().AppendFormat(line[:0], event.TimeLayout)
			line = append(line, "  "...)
			line = appendPadded(line, e.System.Computer, 24)
			line = appendPadded(line, e.System.Channel, 24)
			line = appendPadded(line, strconv.Itoa(int(e.System.EventID)), 6)
			line = appendPadded(line, f.Rule.Rule.Level, 9)
			line = appendPadded(line, f.Rule.Rule.Title, 50)
			for i, fv := range f.Fields {
				if i > 0 {
					line = append(line, ' ')
				}
				line = append(line, fv.Name...)
				line = append(line, '=')
				line = append(line, strings.Map(flattenSpace, fv.Value)...)
			}
			line = append(line, '\n')
			_, err := out.Write(line)
			return err
		}, out.Flush, nil
	case "csv":
		cw := csv.NewWriter(out)
		cw.Write([]string{"time", "computer", "channel", "event_id", "record_id", "level", "rule", "rule_id", "tags", "fields", "file"})
		return func(f hunt.Finding) error {
				e := f.Event
				var fields []string
				for _, fv := range f.Fields {
					fields = append(fields, fv.Name+"="+fv.Value)
				}
				return cw.Write([]string{e.System.TimeCreated.UTC().Format(event.TimeLayout), e.System.Computer, e.System.Channel,
					strconv.Itoa(int(e.System.EventID)), strconv.FormatUint(e.System.EventRecordID, 10), f.Rule.Rule.Level,
					f.Rule.Rule.Title, f.Rule.Rule.ID, strings.Join(f.Rule.Rule.Tags, " "), strings.Join(fields, "; "), f.File})
			}, func() error {
				cw.Flush()
				if err := cw.Error(); err != nil {
					return err
				}
				return out.Flush()
			}, nil
	case "jsonl":
		var line []byte
		return func(f hunt.Finding) error {
			e := f.Event
			line = append(line[:0], `{"time":"`...)
			line = e.System.TimeCreated.UTC().AppendFormat(line, event.TimeLayout)
			line = append(line, `","computer":`...)
			line = event.AppendJSONString(line, e.System.Computer)
			line = append(line, `,"channel":`...)
			line = event.AppendJSONString(line, e.System.Channel)
			line = append(line, `,"eventId":`...)
			line = strconv.AppendUint(line, uint64(e.System.EventID), 10)
			line = append(line, `,"recordId":`...)
			line = strconv.AppendUint(line, e.System.EventRecordID, 10)
			line = append(line, `,"level":`...)
			line = event.AppendJSONString(line, f.Rule.Rule.Level)
			line = append(line, `,"rule":`...)
			line = event.AppendJSONString(line, f.Rule.Rule.Title)
			line = append(line, `,"ruleId":`...)
			line = event.AppendJSONString(line, f.Rule.Rule.ID)
			line = append(line, `,"tags":[`...)
			for i, t := range f.Rule.Rule.Tags {
				if i > 0 {
					line = append(line, ',')
				}
				line = event.AppendJSONString(line, t)
			}
			line = append(line, `],"fields":{`...)
			for i, fv := range f.Fields {
				if i > 0 {
					line = append(line, ',')
				}
				line = event.AppendJSONString(line, fv.Name)
				line = append(line, ':')
				line = event.AppendJSONString(line, fv.Value)
			}
			line = append(line, `},"file":`...)
			line = event.AppendJSONString(line, f.File)
			line = append(line, "}\n"...)
			_, err := out.Write(line)
			return err
		}, out.Flush, nil
	}
	return nil, nil, cli.UsageError(fmt.Sprintf("--format %q: want table, csv or jsonl", format))
}

func flattenSpace(r rune) rune {
	if r == '\n' || r == '\r' || r == '\t' {
		return ' '
	}
	return r
}
