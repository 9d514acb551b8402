package duckdb

import (
	"context"
	"database/sql/driver"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"wsec/internal/schema"
	"wsec/internal/store"
	"wsec/internal/store/customlog"
)

// Custom tables (Log Analytics Data Collector API): package customlog says
// which names are accepted and which column each property lands in; here
// Name_s is VARCHAR, Name_d DOUBLE, Name_b BOOLEAN, Name_t TIMESTAMP and
// Name_g VARCHAR (KQL guid). Every custom table also has TimeGenerated and
// _TimeReceived (physical), and Type, TenantId and _ResourceId (constants
// of its view).

// customTable is the known shape of one custom table.
type customTable struct {
	name string // logical, <Log-Type>_CL
	phys string
	cols []customCol // physical order
	idx  map[string]int
}

type customCol struct {
	name string
	typ  schema.Type
}

// customBase are the physical columns every custom table starts with.
var customBase = [...]customCol{
	{"TimeGenerated", schema.DateTime},
	{"_TimeReceived", schema.DateTime},
}

// loadCustomTables reads the custom tables the database has.
func (w *Workspace) loadCustomTables(ctx context.Context) error {
	rs, err := w.wconn.QueryContext(ctx,
		"SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' AND table_name LIKE ? ESCAPE '\\'",
		physPrefix+"%\\"+customlog.Suffix)
	if err != nil {
		return fmt.Errorf("list custom tables: %w", err)
	}
	var names []string
	for rs.Next() {
		var n string
		if err := rs.Scan(&n); err != nil {
			rs.Close()
			return fmt.Errorf("list custom tables: %w", err)
		}
		names = append(names, n)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return fmt.Errorf("list custom tables: %w", err)
	}
	for _, phys := range names {
		name := strings.TrimPrefix(phys, physPrefix)
		if !customlog.ValidTable(name) {
			continue
		}
		pt, err := w.physColumns(ctx, phys)
		if err != nil {
			return err
		}
		ct := &customTable{name: name, phys: phys, idx: make(map[string]int)}
		for _, n := range pt.names {
			ct.add(n, customTypeOf(n, pt.types[n]))
		}
		w.custom[strings.ToLower(name)] = ct
	}
	return nil
}

// customTypeOf recovers a custom column's logical type from its name and
// DuckDB type.
func customTypeOf(name, duckType string) schema.Type {
	switch {
	case duckType == "TIMESTAMP":
		return schema.DateTime
	case duckType == "DOUBLE":
		return schema.Real
	case duckType == "BOOLEAN":
		return schema.Bool
	case strings.HasSuffix(name, "_g"):
		return schema.GUID
	}
	return schema.String
}

func (ct *customTable) add(name string, t schema.Type) {
	ct.idx[strings.ToLower(name)] = len(ct.cols)
	ct.cols = append(ct.cols, customCol{name: name, typ: t})
}

func (ct *customTable) clone() *customTable {
	return &customTable{name: ct.name, phys: ct.phys, cols: slices.Clone(ct.cols), idx: maps.Clone(ct.idx)}
}

// viewSQL is the view exposing the custom table under its logical name.
func (ct *customTable) viewSQL(tenant string) string {
	var b strings.Builder
	b.WriteString("CREATE OR REPLACE VIEW ")
	b.WriteString(quoteIdent(ct.name))
	b.WriteString(" AS SELECT ")
	for _, c := range ct.cols {
		b.WriteString(quoteIdent(c.name))
		b.WriteString(", ")
	}
	b.WriteString("CAST(" + sqlString(ct.name) + " AS VARCHAR) AS \"Type\", CAST(" + sqlString(tenant) +
		" AS VARCHAR) AS \"TenantId\", CAST(NULL AS VARCHAR) AS \"_ResourceId\" FROM ")
	b.WriteString(quoteIdent(ct.phys))
	return b.String()
}

// schemaTable is the logical table of a custom table, columns sorted by
// name after TimeGenerated as Log Analytics lists them.
func (ct *customTable) schemaTable() *schema.Table {
	cols := make([]schema.Column, 0, len(ct.cols)+3)
	for _, c := range ct.cols {
		cols = append(cols, schema.Column{Name: c.name, Type: c.typ})
	}
	rest := cols[1:]
	sort.Slice(rest, func(i, j int) bool { return rest[i].Name < rest[j].Name })
	cols = append(cols, schema.Column{Name: "Type", Type: schema.String}, schema.Column{Name: "TenantId", Type: schema.String},
		schema.Column{Name: "_ResourceId", Type: schema.String})
	return schema.NewTable(ct.name, cols)
}

// AppendCustom stores Data Collector API records in the custom table
// (e.g. "MyApp_CL"; see ValidCustomTable) and returns how many it stored.
// Each property becomes a column named with its type suffix (see above);
// new columns are added as they appear. TimeGenerated is the record's
// "TimeGenerated" (a time.Time, or text in a datetime form), else its
// timeField property, else the receive time. Properties whose names are not
// letters, digits and underscores refuse the whole call with
// store.ErrInvalidName; nil values are left out.
//
// All records commit together or none do, and the call returns only once
// they are durable.
func (w *Workspace) AppendCustom(ctx context.Context, table string, records []map[string]any, timeField string) (int, error) {
	start := time.Now()
	if !customlog.ValidTable(table) {
		return 0, fmt.Errorf("append to custom table %q: want <Log-Type>_CL of letters, digits and underscores, at most %d bytes: %w",
			table, customlog.MaxNameBytes, store.ErrInvalidName)
	}
	if len(records) > w.s.opts.MaxCustomRecords {
		return 0, fmt.Errorf("append %d records to %s: more than %d in one call: %w", len(records), table, w.s.opts.MaxCustomRecords, store.ErrLimit)
	}
	if len(records) == 0 {
		return 0, nil
	}
	if err := w.s.disk.check(); err != nil {
		return 0, fmt.Errorf("append %d records to %s: %w", len(records), table, err)
	}
	received := w.s.opts.Now().UTC()
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.checkOpen(); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	ct, isNew := w.custom[strings.ToLower(table)], false
	if ct == nil {
		ct, isNew = &customTable{name: table, phys: physPrefix + table, idx: make(map[string]int)}, true
		for _, c := range customBase {
			ct.add(c.name, c.typ)
		}
	} else {
		ct = ct.clone()
	}
	before := len(ct.cols)
	rows := make([][]driver.Value, len(records))
	for ri, rec := range records {
		row := make([]driver.Value, 0, len(ct.cols))
		row = append(row, nil, received)
		set := func(name string, t schema.Type, v any) error {
			i, ok := ct.idx[strings.ToLower(name)]
			if !ok {
				if len(ct.cols)-len(customBase) >= customlog.MaxColumns {
					return fmt.Errorf("append to %s: column %s would be one more than the %d property columns a table may have; "+
						"send these properties to another Log-Type: %w", table, name, customlog.MaxColumns, store.ErrTableFull)
				}
				ct.add(name, t)
				i = len(ct.cols) - 1
			}
			for len(row) <= i {
				row = append(row, nil)
			}
			row[i] = v
			return nil
		}
		for k, v := range rec {
			if k == "TimeGenerated" {
				continue
			}
			if !customlog.ValidName(k) {
				return 0, fmt.Errorf("append to %s record %d: property %q: want letters, digits and underscores: %w", table, ri, k, store.ErrInvalidName)
			}
			t, val, ok := customlog.Value(v)
			if !ok {
				continue
			}
			name := customlog.Column(k, t)
			if len(name) > customlog.MaxColumnNameBytes {
				return 0, fmt.Errorf("append to %s record %d: property %q longer than %d bytes: %w", table, ri, k, customlog.MaxColumnNameBytes-2, store.ErrInvalidName)
			}
			if err := set(name, t, val); err != nil {
				return 0, err
			}
		}
		row[0] = customlog.TimeGenerated(rec, timeField, received)
		rows[ri] = row
	}
	err := w.inTx(ctx, sqlConn{w.wconn}, func() error {
		if isNew {
			if _, err := w.wconn.ExecContext(ctx, "CREATE TABLE "+quoteIdent(ct.phys)+" ("+
				quoteIdent("TimeGenerated")+" TIMESTAMP, "+quoteIdent("_TimeReceived")+" TIMESTAMP)"); err != nil {
				return fmt.Errorf("create custom table %s: %w", table, err)
			}
			before = len(customBase)
		}
		for _, c := range ct.cols[before:] {
			q := "ALTER TABLE " + quoteIdent(ct.phys) + " ADD COLUMN " + quoteIdent(c.name) + " " + physType(c.typ)
			if _, err := w.wconn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("add column %s.%s: %w", table, c.name, err)
			}
		}
		if isNew || len(ct.cols) > before {
			if _, err := w.wconn.ExecContext(ctx, ct.viewSQL(w.id)); err != nil {
				return fmt.Errorf("create view %s: %w", table, err)
			}
		}
		names := make([]string, len(ct.cols))
		for i, c := range ct.cols {
			names[i] = c.name
		}
		for i := range rows {
			for len(rows[i]) < len(names) {
				rows[i] = append(rows[i], nil)
			}
		}
		return w.appendRows(w.wconn, ct.phys, names, len(rows), func(i int) []driver.Value { return rows[i] })
	})
	if err != nil {
		return 0, err
	}
	w.custom[strings.ToLower(table)] = ct
	w.s.m.rowsAppended.WithLabelValues("custom") // one label: table names are the sender's.Add(float64(len(rows)))
	w.s.m.appendSeconds.WithLabelValues("custom").Observe(time.Since(start).Seconds())
	return len(rows), nil
}
