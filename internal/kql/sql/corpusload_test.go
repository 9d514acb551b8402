package sql

import (
	"context"
	dbsql "database/sql"
	"database/sql/driver"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"wsec/internal/corpustest"
	"wsec/internal/corpustest/sentinelref"
	"wsec/internal/event"
	"wsec/internal/evtx"
	"wsec/internal/schema"
)

// loadEVTXWorkspace reads every .evtx file under the corpus's evtx folder,
// maps each event to its SecurityEvent or WindowsEvent row with package
// schema (as ingestion does), and appends the rows to db's tables (created
// by openSchemaDB). It returns the rows loaded per table and the latest
// TimeGenerated, and the events as raw fields (sentinelref.Event) for expectations
// that must not come through the tables. Damaged sample files
// are read as far as they decode.
//
// When rebase is not zero every file is replayed as if it had just been
// recorded: its times are shifted so its newest event falls at rebase
// (relative times within a file are kept). The corpus spans years, and the
// rules look back hours or days.
func loadEVTXWorkspace(t testing.TB, db *dbsql.DB, cat *schema.Catalog, rebase time.Time) (map[string]int, time.Time, []sentinelref.Event) {
	t.Helper()
	root := corpustest.Dir(t, "evtx")
	var files []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
			files = append(files, p)
		}
		return nil
	})
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	counts := map[string]int{}
	var latest time.Time
	var events []sentinelref.Event
	mapper := schema.NewMapper(cat)
	err = conn.Raw(func(dc any) error {
		apps := map[string]*duckdb.Appender{}
		for _, name := range []string{schema.SecurityEventTable, schema.WindowsEventTable} {
			a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", name)
			if err != nil {
				return fmt.Errorf("appender %s: %w", name, err)
			}
			apps[name] = a
		}
		var row schema.Row
		for _, path := range files {
			f, err := evtx.Open(path, evtx.Options{})
			if err != nil {
				continue // not an EVTX file the reader accepts (deliberately damaged samples)
			}
			type pending struct {
				table string
				vals  []driver.Value
				raw   int // index in events
				tgCol int
			}
			var rows []pending
			var fileNewest time.Time
			_, err = f.Events(ctx, func(e *event.Event) error {
				tbl := mapper.Map(e, "OpsManager", &row)
				if _, ok := apps[tbl.Name]; !ok {
					return nil
				}
				vals := make([]driver.Value, len(tbl.Columns))
				p := pending{table: tbl.Name, vals: vals, raw: len(events), tgCol: -1}
				events = append(events, sentinelref.NewEvent(tbl.Name, e))
				for _, c := range row.Cells {
					switch tbl.Columns[c.Col].Type {
					case schema.Int, schema.Long:
						vals[c.Col] = c.I
					case schema.Bool:
						vals[c.Col] = c.I != 0
					case schema.Real:
						vals[c.Col] = c.F
					case schema.DateTime:
						tm := schema.TicksTime(c.I)
						vals[c.Col] = tm
						if tbl.Columns[c.Col].Name == TimeColumn {
							p.tgCol = c.Col
							if tm.After(fileNewest) && tm.Year() < 2100 {
								fileNewest = tm
							}
						}
					default:
						vals[c.Col] = c.S
					}
				}
				rows = append(rows, p)
				return nil
			})
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			var shift time.Duration
			if !rebase.IsZero() && !fileNewest.IsZero() {
				shift = rebase.Sub(fileNewest)
			}
			for _, r := range rows {
				for i, v := range r.vals {
					if tm, ok := v.(time.Time); ok {
						tm = tm.Add(shift)
						r.vals[i] = tm
						if tm.After(latest) && tm.Year() < 2100 {
							latest = tm
						}
					}
				}
				if r.tgCol >= 0 {
					events[r.raw].At = r.vals[r.tgCol].(time.Time)
				}
				counts[r.table]++
				if err := apps[r.table].AppendRow(r.vals...); err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
			}
		}
		for name, a := range apps {
			if err := a.Close(); err != nil {
				return fmt.Errorf("close appender %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return counts, latest, events
}
