// Command benchscale is the Go side of scripts/bench-scale.sh (not CI): it
// loads synthetic Security events of one UTC day into a running `wsec
// serve`, times the first batch after a restart, builds a reference DuckDB
// table of the same rows with the SecurityEvent columns the queries read
// physical (refColumns), and times the queries through wsec beside
// the same queries in plain DuckDB SQL over that table (issue 14: what the
// engine itself can do). A column store reads only the columns a query
// names, so the other 200-odd columns would not change these times; they
// would make the load 10x slower (each costs DuckDB ~0.25 µs per row
// appended, null or not).
//
// Event n of a run is synthetic.Generator.Event(n) with TimeCreated
// spread evenly over the day, so the load and the reference hold the same
// rows without storing them anywhere.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"wsec/internal/client"
	"wsec/internal/event"
	"wsec/internal/schema"
	"wsec/internal/source/synthetic"
	"wsec/internal/store/duckdb/bulk"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchscale load|first|reference|queries|age [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	url := fs.String("url", "", "wsec serve URL")
	ws := fs.String("workspace", "", "workspace ID")
	key := fs.String("key", "", "workspace key")
	token := fs.String("token", "", "API token (queries)")
	events := fs.Int("events", 10_000_000, "events of the day")
	dayS := fs.String("day", "2026-11-24", "the UTC day of TimeCreated")
	senders := fs.Int("senders", 4, "concurrent senders")
	batch := fs.Int("batch", 10_000, "events per batch")
	pid := fs.Int("pid", 0, "serve's process ID, for its RSS")
	ref := fs.String("ref", "", "reference DuckDB file")
	since := fs.Int64("since", 0, "Unix ns the first-batch time counts from")
	db := fs.String("db", "", "workspace database file (age; serve must be stopped)")
	by := fs.Duration("by", 0, "how far to move _TimeReceived back (age)")
	fs.Parse(os.Args[2:])
	day, err := time.Parse(time.DateOnly, *dayS)
	if err != nil {
		fail(err)
	}
	g := synthetic.New(synthetic.Options{Start: day, Step: 24 * time.Hour / time.Duration(*events)})
	switch os.Args[1] {
	case "load":
		err = load(g, *url, *ws, *key, *events, *senders, *batch, *pid)
	case "first":
		err = first(*url, *ws, *key, *events, *batch, day, time.Unix(0, *since))
	case "reference":
		err = reference(g, *ref, *events)
	case "queries":
		err = queries(g, *events, *url, *ws, *token, *ref, day)
	case "age":
		err = age(*db, *by)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchscale:", err)
	os.Exit(1)
}

// framed returns events [from, to) of g as a native batch.
func framed(g *synthetic.Generator, from, to int, buf []byte) []byte {
	var e event.Event
	buf = buf[:0]
	for n := from; n < to; n++ {
		g.Event(uint64(n), &e)
		buf = e.AppendFramed(buf)
	}
	return buf
}

// send sends one batch, retrying what may succeed later.
func send(ctx context.Context, c *client.Client, sender string, seq uint64, body []byte) error {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		_, err := c.SendCompressedBatch(ctx, sender, seq, body)
		if err == nil || !client.Retryable(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func load(g *synthetic.Generator, url, ws, key string, n, senders, size, pid int) error {
	c, err := client.New(url, ws, key, client.Options{})
	if err != nil {
		return err
	}
	ctx := context.Background()
	var done atomic.Int64
	batches := (n + size - 1) / size
	start := time.Now()
	marks := make([]time.Duration, 11) // when each tenth was acknowledged
	var mu sync.Mutex
	var wg sync.WaitGroup
	errc := make(chan error, senders)
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for b := s; b < batches; b += senders {
				buf = framed(g, b*size, min((b+1)*size, n), buf)
				if err := send(ctx, c, "bench-"+strconv.Itoa(s), uint64(b/senders+1), c.CompressBatch(buf)); err != nil {
					errc <- fmt.Errorf("batch %d: %w", b, err)
					return
				}
				d := done.Add(int64(min((b+1)*size, n) - b*size))
				mu.Lock()
				for t := 1; t <= 10; t++ {
					if marks[t] == 0 && d >= int64(n)*int64(t)/10 {
						marks[t] = time.Since(start)
					}
				}
				mu.Unlock()
			}
		}()
	}
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		last, lastT := int64(0), start
		for {
			select {
			case <-stop:
				return
			case now := <-tick.C:
				d := done.Load()
				rss, _ := procMem(pid)
				fmt.Printf("  load: %d/%d events (%.0f%%), %.0f events/s over the last 10 s, serve RSS %d MB\n",
					d, n, 100*float64(d)/float64(n), float64(d-last)/now.Sub(lastT).Seconds(), rss>>20)
				last, lastT = d, now
			}
		}
	}()
	wg.Wait()
	close(stop)
	select {
	case err := <-errc:
		return err
	default:
	}
	total := time.Since(start)
	rss, hwm := procMem(pid)
	tenth := float64(n) / 10
	firstRate := tenth / marks[1].Seconds()
	lastRate := tenth / (marks[10] - marks[9]).Seconds()
	fmt.Printf("load: %d events in %.1f s: %.0f events/s; first 10%% %.0f events/s, last 10%% %.0f events/s (%.0f%% of the first)\n",
		n, total.Seconds(), float64(n)/total.Seconds(), firstRate, lastRate, 100*lastRate/firstRate)
	fmt.Printf("serve RSS now %d MB, peak %d MB\n", rss>>20, hwm>>20)
	return nil
}

// procMem returns VmRSS and VmHWM (peak) of process pid in bytes.
func procMem(pid int) (rss, hwm int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		for name, p := range map[string]*int64{"VmRSS:": &rss, "VmHWM:": &hwm} {
			if v, ok := strings.CutPrefix(line, name); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				*p = kb << 10
			}
		}
	}
	return rss, hwm
}

// first sends one batch of new events of the day (between the loaded
// ones) until it is accepted, and prints the time since since.
func first(url, ws, key string, n, size int, day time.Time, since time.Time) error {
	c, err := client.New(url, ws, key, client.Options{})
	if err != nil {
		return err
	}
	// Same day, same computer, times offset by half a step: new identities.
	g := synthetic.New(synthetic.Options{Start: day.Add(24 * time.Hour / time.Duration(n) / 2), Step: 24 * time.Hour / time.Duration(n),
		FirstRecordID: 1 << 40})
	body := c.CompressBatch(framed(g, n/2, n/2+size, nil))
	deadline := time.Now().Add(5 * time.Minute)
	for {
		res, err := c.SendCompressedBatch(context.Background(), "after-restart", 1, body)
		if err == nil {
			fmt.Printf("restart: first batch (%d events, %d stored) accepted %.2f s after serve was started again\n",
				size, res.Stored, time.Since(since).Seconds())
			return nil
		}
		if !client.Retryable(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// refColumns are the reference table's columns: those the queries read,
// and the ones rules and hunters use most, as the mapper fills them.
var refColumns = []string{"TimeGenerated", "Computer", "EventID", "Activity", "Account", "AccountType",
	"IpAddress", "CommandLine", "TargetAccount", "TargetUserName", "SubjectUserName", "LogonType",
	"NewProcessName", "ParentProcessName", "EventData"}

// reference loads the same rows into a DuckDB table with refColumns
// physical.
func reference(g *synthetic.Generator, path string, n int) error {
	cat := schema.New()
	se, _ := cat.Table(schema.SecurityEventTable)
	m := schema.NewMapper(cat)
	pos := make(map[int]int, len(refColumns)) // SecurityEvent column → reference column
	conn, err := duck.NewConnector(path, nil)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	names := refColumns
	types := make([]bulk.Type, len(names))
	defs := make([]string, len(names))
	for i, name := range names {
		c := se.MustCol(name)
		pos[c] = i
		types[i] = bulk.Of(se.Columns[c].Type)
		defs[i] = `"` + name + `" ` + types[i].String()
	}
	if _, err := db.Exec("CREATE TABLE ref (" + strings.Join(defs, ", ") + ")"); err != nil {
		return err
	}
	bdb, err := bulk.Attach(path)
	if err != nil {
		return err
	}
	defer bdb.Close()
	bc, err := bdb.Connect()
	if err != nil {
		return err
	}
	defer bc.Close()
	const chunk = 100_000
	var e event.Event
	var row schema.Row
	start := time.Now()
	for from := 0; from < n; from += chunk {
		cols := make([]*bulk.Column, len(types))
		for i, t := range types {
			cols[i] = bulk.NewColumn(t, chunk)
		}
		for k := from; k < min(from+chunk, n); k++ {
			g.Event(uint64(k), &e)
			row.Reset()
			if t := m.Map(&e, "OpsManager", &row); t != se {
				continue
			}
			for _, c := range cols {
				c.AddNull()
			}
			for _, cell := range row.Cells {
				i, ok := pos[cell.Col]
				if !ok {
					continue
				}
				c := cols[i]
				switch types[i] {
				case bulk.Varchar:
					c.SetString(cell.S)
				case bulk.Double:
					c.SetFloat(cell.F)
				case bulk.Timestamp:
					c.SetInt(schema.TicksMicros(cell.I))
				default:
					c.SetInt(cell.I)
				}
			}
		}
		a, err := bc.NewAppender("ref", names, types)
		if err != nil {
			return err
		}
		if err := a.Append(cols, nil); err != nil {
			return err
		}
		if err := a.Close(); err != nil {
			return err
		}
		if (from/chunk)%20 == 19 {
			fmt.Printf("  reference: %d/%d rows, %.0f rows/s\n", from+chunk, n, float64(from+chunk)/time.Since(start).Seconds())
		}
	}
	if _, err := db.Exec("CHECKPOINT"); err != nil {
		return err
	}
	fmt.Printf("reference: %d rows, %d columns physical (%s), in %.0f s\n", n, len(names), strings.Join(names, ", "), time.Since(start).Seconds())
	return nil
}

// queries times each of the queries through wsec and in plain SQL
// over the reference, three times each, and prints the medians. Two has
// over EventData: a term in a third of the events (the SYSTEM SID), and a
// pivot on one logon session (a TargetLogonId, in a handful of events), as
// an investigator searches for one value of an alert across everything.
func queries(g *synthetic.Generator, n int, url, ws, token, ref string, day time.Time) error {
	// the client's default minute is shorter than a full scan of 100M
	// events' EventData; the server's own query timeout decides instead
	c, err := client.New(url, ws, "", client.Options{Token: token, HTTP: &http.Client{Timeout: 10 * time.Minute}})
	if err != nil {
		return err
	}
	db, err := sql.Open("duckdb", ref+"?access_mode=READ_ONLY")
	if err != nil {
		return err
	}
	defer db.Close()
	lastHour := day.Add(23 * time.Hour).Format("2006-01-02 15:04:05")
	var logonID string
	var e event.Event
	for i := n / 2; i < n && logonID == ""; i++ {
		if g.Event(uint64(i), &e); e.System.EventID == 4624 {
			logonID = e.Value("TargetLogonId")
		}
	}
	qs := []struct{ name, kql, sql string }{
		{"count", "SecurityEvent | count", "SELECT count(*) FROM ref"},
		{"summarize by EventID (hot)", "SecurityEvent | summarize count() by EventID",
			`SELECT "EventID", count(*) FROM ref GROUP BY 1`},
		{"summarize by IpAddress", "SecurityEvent | summarize count() by IpAddress",
			`SELECT "IpAddress", count(*) FROM ref GROUP BY 1`},
		{`CommandLine has "certutil"`, `SecurityEvent | where CommandLine has "certutil" | count`,
			`SELECT count(*) FROM ref WHERE "CommandLine" ILIKE '%certutil%'`},
		{`EventData has "S-1-5-18"`, `SecurityEvent | where EventData has "S-1-5-18" | count`,
			`SELECT count(*) FROM ref WHERE "EventData" ILIKE '%S-1-5-18%'`},
		{`EventData has "<a logon ID>"`, `SecurityEvent | where EventData has "` + logonID + `" | count`,
			`SELECT count(*) FROM ref WHERE "EventData" ILIKE '%` + logonID + `%'`},
		{"last hour by EventID", "SecurityEvent | where TimeGenerated >= datetime(" + lastHour + ") | summarize count() by EventID",
			`SELECT "EventID", count(*) FROM ref WHERE "TimeGenerated" >= TIMESTAMP '` + lastHour + `' GROUP BY 1`},
		{"join 4625 and 4624 by Account", `SecurityEvent | where EventID == 4625 | summarize failed = count() by Account
| join kind=inner (SecurityEvent | where EventID == 4624 | summarize ok = count() by Account) on Account | count`,
			`SELECT count(*) FROM (SELECT "Account", count(*) FROM ref WHERE "EventID" = 4625 GROUP BY 1) f
JOIN (SELECT "Account", count(*) FROM ref WHERE "EventID" = 4624 GROUP BY 1) s USING ("Account")`},
	}
	fmt.Printf("%-32s %10s %10s %7s  %s\n", "query", "wsec ms", "SQL ms", "ratio", "rows (wsec/SQL)")
	for _, q := range qs {
		var tw, ts []time.Duration
		var nw, ns int
		var failed error
		t0all := time.Now()
		for range 3 {
			t0 := time.Now()
			res, err := c.Query(context.Background(), q.kql, "")
			if err != nil {
				failed = err
				break
			}
			tw = append(tw, time.Since(t0))
			nw = len(res.Tables[0].Rows)
			t0 = time.Now()
			rs, err := db.Query(q.sql)
			if err != nil {
				return fmt.Errorf("%s (SQL): %w", q.name, err)
			}
			ns = 0
			for rs.Next() {
				ns++
			}
			rs.Close()
			ts = append(ts, time.Since(t0))
		}
		if failed != nil {
			fmt.Printf("%-32s failed in wsec after %.0f ms: %v\n", q.name, ms1(time.Since(t0all)), failed)
			continue
		}
		mw, ms := median(tw), median(ts)
		fmt.Printf("%-32s %10.0f %10.0f %7.1f  %d/%d\n", q.name, ms1(mw), ms1(ms), float64(mw)/float64(ms), nw, ns)
	}
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms1(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// age moves _TimeReceived of every row in the workspace database file db
// back by by, as if the rows had been received then: retention counts
// from _TimeReceived, so this is how a soak of an hour gets rows for
// retention to delete while ingest goes on.
func age(db string, by time.Duration) error {
	if db == "" || by <= 0 {
		return fmt.Errorf("age needs --db (a stopped workspace's .duckdb file) and --by > 0")
	}
	conn, err := duck.NewConnector(db, nil)
	if err != nil {
		return err
	}
	d := sql.OpenDB(conn)
	defer d.Close()
	// _TimeReceived of the tables, rcv of the term index (its batches'
	// _TimeReceived)
	rows, err := d.Query(`SELECT table_name, column_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
		WHERE (column_name = '_TimeReceived' OR column_name = 'rcv' AND table_name LIKE '%\_terms' ESCAPE '\') AND table_type = 'BASE TABLE'`)
	if err != nil {
		return err
	}
	var tables, cols []string
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return err
		}
		tables, cols = append(tables, t), append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i, t := range tables {
		res, err := d.Exec(fmt.Sprintf(`UPDATE "%s" SET "%s" = "%[2]s" - to_microseconds(%d)`, t, cols[i], by.Microseconds()))
		if err != nil {
			return fmt.Errorf("age %s: %w", t, err)
		}
		n, _ := res.RowsAffected()
		fmt.Printf("%s: %d rows now received %v earlier\n", t, n, by)
	}
	_, err = d.Exec("CHECKPOINT")
	return err
}
