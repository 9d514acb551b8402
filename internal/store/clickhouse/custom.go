package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"wsec/internal/schema"
	"wsec/internal/store"
	"wsec/internal/store/customlog"
)

// MaxCustomRecords bounds one AppendCustom call.
const MaxCustomRecords = 100_000

// AppendCustom implements store.Workspace (customlog says how records
// become columns). A new table or column is created on every shard before
// the records are written, all in one INSERT to one shard.
func (w *Workspace) AppendCustom(ctx context.Context, table string, records []map[string]any, timeField string) (int, error) {
	if err := w.s.checkOpen(); err != nil {
		return 0, err
	}
	if !customlog.ValidTable(table) {
		return 0, fmt.Errorf("append to custom table %q: want <Log-Type>_CL of letters, digits and underscores, at most %d bytes: %w",
			table, customlog.MaxNameBytes, store.ErrInvalidName)
	}
	if len(records) > MaxCustomRecords {
		return 0, fmt.Errorf("append %d records to %s: more than %d in one call: %w", len(records), table, MaxCustomRecords, store.ErrLimit)
	}
	if len(records) == 0 {
		return 0, nil
	}
	received := w.s.opts.Now().UTC()
	w.mu.Lock()
	ct := w.custom[strings.ToLower(table)]
	known := map[string]schema.Type{}
	if ct != nil {
		table = ct.name
		for n, t := range ct.cols {
			known[n] = t
		}
	}
	w.mu.Unlock()
	lower := map[string]string{}
	for n := range known {
		lower[strings.ToLower(n)] = n
	}
	type prop struct {
		col string
		val any
	}
	rows := make([][]prop, len(records))
	var added []schema.Column
	for ri, rec := range records {
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
			if n, ok := lower[strings.ToLower(name)]; ok {
				name = n
			} else {
				if len(lower) >= customlog.MaxColumns {
					return 0, fmt.Errorf("append to %s: column %s would be one more than the %d property columns a table may have; "+
						"send these properties to another Log-Type: %w", table, name, customlog.MaxColumns, store.ErrTableFull)
				}
				lower[strings.ToLower(name)] = name
				known[name] = t
				added = append(added, schema.Column{Name: name, Type: t})
			}
			rows[ri] = append(rows[ri], prop{name, val})
		}
	}
	if ct == nil || len(added) > 0 {
		if err := w.ensureCustom(ctx, table, ct == nil, added); err != nil {
			return 0, err
		}
	}
	cols := []schema.Column{{Name: "TimeGenerated", Type: schema.DateTime}, {Name: "Type", Type: schema.String}, {Name: "TenantId", Type: schema.String}}
	idx := map[string]int{}
	for n, t := range known {
		idx[n] = len(cols)
		cols = append(cols, schema.Column{Name: n, Type: t})
	}
	t := schema.NewTable(table, cols)
	enc := newBlockEncoder(t, w.id, received.UnixMicro(), len(records))
	var r schema.Row
	for ri, rec := range records {
		r.Reset()
		r.SetTime(0, customlog.TimeGenerated(rec, timeField, received))
		for _, p := range rows[ri] {
			i := idx[p.col]
			switch v := p.val.(type) {
			case string:
				r.SetString(i, v)
			case float64:
				r.SetReal(i, v)
			case bool:
				r.SetInt(i, btoi(v))
			case time.Time:
				r.SetTime(i, v)
			}
		}
		enc.row(&r, [2]uint64{})
	}
	sh := w.s.shards[w.next.Add(1)%uint64(len(w.s.shards))]
	if err := sh.exec(ctx, "", enc.insertSQL(w.db, localName(table)), enc.body()); err != nil {
		return 0, fmt.Errorf("append to %s: %w", table, err)
	}
	return len(records), nil
}

func btoi(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// ensureCustom creates custom table name (when create) and adds columns,
// on every shard, local and Distributed tables alike. Another node doing the
// same at once is harmless: tables are created IF NOT EXISTS and a column
// that exists already is not an error.
func (w *Workspace) ensureCustom(ctx context.Context, name string, create bool, added []schema.Column) error {
	db := quoteIdent(w.db)
	base := []schema.Column{{Name: "Type", Type: schema.String}, {Name: "TenantId", Type: schema.String}, {Name: "_ResourceId", Type: schema.String}}
	for _, sh := range w.s.shards {
		if create {
			if err := sh.exec(ctx, "", tableDDL(w.db, localName(name), base, false), nil); err != nil {
				return fmt.Errorf("create custom table %s: %w", name, err)
			}
			if err := sh.exec(ctx, "", distDDL(w.db, w.s.opts.Cluster, name, name, "rand()"), nil); err != nil {
				return fmt.Errorf("create custom table %s: %w", name, err)
			}
		}
		for _, c := range added {
			for _, t := range []string{localName(name), name} {
				q := "ALTER TABLE " + db + "." + quoteIdent(t) + " ADD COLUMN " + quoteIdent(c.Name) + " " + physType(c.Type)
				if err := sh.exec(ctx, "", q, nil); err != nil && !strings.Contains(err.Error(), "already exists") {
					return fmt.Errorf("add column %s.%s: %w", name, c.Name, err)
				}
			}
		}
	}
	return w.loadCustom(ctx)
}
