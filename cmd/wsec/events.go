package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"wsec/internal/cli"
	"wsec/internal/event"
	"wsec/internal/filter"
	"wsec/internal/logfile"
	"wsec/internal/schema"
)

// stringsFlag collects a repeatable flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ", ") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// eventsTotals is the summary `wsec events` and `wsec import` print.
type eventsTotals struct {
	files, unreadable      int
	records, kept, skipped int
	reasons                map[string]int
	problems               []string
}

func (t *eventsTotals) add(path string, st logfile.Stats) {
	t.records += st.Records
	t.skipped += st.Skipped
	if t.reasons == nil {
		t.reasons = map[string]int{}
	}
	for r, n := range st.Reasons {
		t.reasons[r] += n
	}
	for _, p := range st.Problems {
		if len(t.problems) < 20 {
			t.problems = append(t.problems, path+": "+p)
		}
	}
}

func (t *eventsTotals) print(w io.Writer, cmd string) {
	fmt.Fprintf(w, "wsec %s: %d files", cmd, t.files)
	if t.unreadable > 0 {
		fmt.Fprintf(w, " (%d unreadable)", t.unreadable)
	}
	fmt.Fprintf(w, ", %d records, %d kept, %d filtered out, %d skipped", t.records, t.kept, t.records-t.kept, t.skipped)
	if len(t.reasons) > 0 {
		var rs []string
		for r, n := range t.reasons {
			rs = append(rs, fmt.Sprintf("%s %d", r, n))
		}
		sort.Strings(rs)
		fmt.Fprintf(w, " (problems: %s)", strings.Join(rs, ", "))
	}
	fmt.Fprintln(w)
	for _, p := range t.problems {
		fmt.Fprintln(w, "  "+p)
	}
}

// compileFilter returns nil (keep everything) when neither a set nor a query
// is given.
func compileFilter(set string, xpaths []string) (func(*event.Event) bool, error) {
	if set == "" && len(xpaths) == 0 {
		return nil, nil
	}
	s := filter.SetNone
	if set != "" {
		var err error
		if s, err = filter.ParseSet(set); err != nil {
			return nil, cli.UsageError(err.Error())
		}
	}
	rules, err := filter.Compile(filter.Policy{Set: s, Queries: xpaths}, filter.Options{})
	if err != nil {
		return nil, cli.UsageError(err.Error())
	}
	return rules.Keep, nil
}

func runEvents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("events", stderr)
	set := fs.String("set", "", "keep only this event set: All, Common, Minimal or None (default: keep everything)")
	var xpaths stringsFlag
	fs.Var(&xpaths, "xpath", "keep events matching this data collection rule query, e.g. 'Security!*[System[(EventID=4624)]]' (repeatable; united with --set)")
	format := fs.String("format", "jsonl", "output format: jsonl, xml or table")
	as := fs.String("as", "event", "what to print: event (System + EventData) or securityevent (the SecurityEvent/WindowsEvent row)")
	workers := fs.Int("workers", 0, "goroutines decoding EVTX chunks (0: all cores)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: wsec events [flags] PATH...\n\nPrints the events of EVTX or event-XML files and folders, one per line.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return cli.UsageError("give at least one EVTX or event-XML file or folder")
	}
	keep, err := compileFilter(*set, xpaths)
	if err != nil {
		return err
	}
	enc, err := newEventEncoder(*format, *as)
	if err != nil {
		return err
	}
	files, err := logfile.Expand(fs.Args())
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(stdout, 1<<20)
	if *format == "table" {
		out.WriteString(tableHeader)
	}
	type chunk struct {
		buf  []byte
		kept int
	}
	var tot eventsTotals
	for _, path := range files {
		tot.files++
		st, err := logfile.Read(ctx, path, logfile.Options{Workers: *workers},
			func(evs []*event.Event) chunk {
				var c chunk
				for _, e := range evs {
					if keep == nil || keep(e) {
						c.buf = enc(c.buf, e)
						c.kept++
					}
				}
				return c
			},
			func(c chunk) error {
				tot.kept += c.kept
				_, err := out.Write(c.buf)
				return err
			})
		tot.add(path, st)
		if err != nil {
			tot.unreadable++
			fmt.Fprintf(stderr, "wsec events: %v\n", err)
			if ctx.Err() != nil {
				break
			}
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	tot.print(stderr, "events")
	if tot.files == tot.unreadable {
		return fmt.Errorf("nothing could be read from %d file(s)", tot.files)
	}
	return nil
}

// eventEncoder appends one event's line to dst; it is safe for concurrent use.
type eventEncoder func(dst []byte, e *event.Event) []byte

func newEventEncoder(format, as string) (eventEncoder, error) {
	switch as {
	case "event":
		switch format {
		case "jsonl":
			return func(dst []byte, e *event.Event) []byte { return append(e.AppendJSON(dst), '\n') }, nil
		case "xml":
			return func(dst []byte, e *event.Event) []byte { return append(e.AppendXML(dst), '\n') }, nil
		case "table":
			return appendTableRow, nil
		}
	case "securityevent":
		if format != "jsonl" {
			return nil, cli.UsageError("--as securityevent prints JSON lines; use --format jsonl")
		}
		m := schema.NewMapper(schema.New())
		rows := sync.Pool{New: func() any { return new(schema.Row) }} // rows are reused across events
		return func(dst []byte, e *event.Event) []byte {
			r := rows.Get().(*schema.Row)
			t := m.Map(e, "wsec events", r)
			dst = append(appendRowJSON(dst, t, r), '\n')
			rows.Put(r)
			return dst
		}, nil
	default:
		return nil, cli.UsageError(fmt.Sprintf("--as %q: want event or securityevent", as))
	}
	return nil, cli.UsageError(fmt.Sprintf("--format %q: want jsonl, xml or table", format))
}

const tableHeader = "TIME CREATED                  COMPUTER                  CHANNEL     EVENT  RECORD    DATA\n"

func appendTableRow(dst []byte, e *event.Event) []byte {
	s := &e.System
	dst = s.TimeCreated.UTC().AppendFormat(dst, event.TimeLayout)
	dst = append(dst, "  "...)
	dst = appendPadded(dst, s.Computer, 24)
	dst = appendPadded(dst, s.Channel, 11)
	dst = appendPadded(dst, strconv.Itoa(int(s.EventID)), 6)
	dst = appendPadded(dst, strconv.FormatUint(s.EventRecordID, 10), 9)
	start := len(dst)
	for i, f := range e.Data {
		if len(dst)-start > 120 {
			dst = append(dst, " …"...)
			break
		}
		if i > 0 {
			dst = append(dst, ' ')
		}
		if f.Name != "" {
			dst = append(dst, f.Name...)
			dst = append(dst, '=')
		}
		for _, r := range f.Value {
			if r == '\n' || r == '\r' || r == '\t' {
				r = ' '
			}
			dst = utf8.AppendRune(dst, r)
		}
	}
	return append(dst, '\n')
}

// appendPadded writes s cut or padded to width runes, then a space.
func appendPadded(dst []byte, s string, width int) []byte {
	n := 0
	for _, r := range s {
		if n == width-1 && utf8.RuneCountInString(s) > width {
			dst = append(dst, "…"...)
			n++
			break
		}
		dst = utf8.AppendRune(dst, r)
		n++
		if n == width {
			break
		}
	}
	for ; n < width; n++ {
		dst = append(dst, ' ')
	}
	return append(dst, ' ')
}

// appendRowJSON writes a schema row as a JSON object keyed by column name,
// datetimes in RFC 3339 with 100 ns.
func appendRowJSON(dst []byte, t *schema.Table, r *schema.Row) []byte {
	dst = append(dst, '{')
	for i, c := range r.Cells {
		if i > 0 {
			dst = append(dst, ',')
		}
		col := t.Columns[c.Col]
		dst = event.AppendJSONString(dst, col.Name)
		dst = append(dst, ':')
		switch col.Type {
		case schema.Int, schema.Long:
			dst = strconv.AppendInt(dst, c.I, 10)
		case schema.Bool:
			dst = strconv.AppendBool(dst, c.I != 0)
		case schema.Real:
			dst = strconv.AppendFloat(dst, c.F, 'g', -1, 64)
		case schema.DateTime:
			dst = append(dst, '"')
			dst = schema.TicksTime(c.I).AppendFormat(dst, event.TimeLayout)
			dst = append(dst, '"')
		default:
			dst = event.AppendJSONString(dst, c.S)
		}
	}
	return append(dst, '}')
}
