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
	"wsec/internal/event"
	"wsec/internal/evtx"
	"wsec/internal/schema"
)

// loadEVTXWorkspace reads every .evtx file under the corpus's evtx folder,
// maps each event to its SecurityEvent or WindowsEvent row with package
// schema (as ingestion does), and appends the rows to db's tables (created
// by openSchemaDB). It returns the rows loaded per table and the latest
// TimeGenerated. Damaged sample files are read as far as they decode.
func loadEVTXWorkspace(t testing.TB, db *dbsql.DB, cat *schema.Catalog) (map[string]int, time.Time) {
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
			_, err = f.Events(ctx, func(e *event.Event) error {
				tbl := mapper.Map(e, "OpsManager", &row)
				app, ok := apps[tbl.Name]
				if !ok {
					return nil
				}
				vals := make([]driver.Value, len(tbl.Columns))
				for _, c := range row.Cells {
					switch tbl.Columns[c.Col].Type {
					case schema.Int, schema.Long:
						vals[c.Col] = c.I
					case schema.Bool:
						vals[c.Col] = c.I != 0
					case schema.Real:
						vals[c.Col] = c.F
					case schema.DateTime:
						tm := time.Unix(0, c.I).UTC()
						vals[c.Col] = tm
						if tbl.Columns[c.Col].Name == TimeColumn && tm.After(latest) && tm.Year() < 2100 {
							latest = tm
						}
					default:
						vals[c.Col] = c.S
					}
				}
				counts[tbl.Name]++
				return app.AppendRow(vals...)
			})
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
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
	return counts, latest
}
