package duckdb

import (
	"context"
	"fmt"
	"time"

	"wsec/internal/schema"
	"wsec/internal/store"
)

// AppendRows stores rows of a low-volume built-in table that has no event
// behind it (SecurityAlert, SecurityIncident), mapped by the caller against
// the table's schema.Table columns. The rows commit together or not at
// all, and are durable when it returns. Nothing is deduplicated: callers
// that need idempotence check first (package analytics does, by
// SystemAlertId). An unknown table is store.ErrInvalidName.
func (w *Workspace) AppendRows(ctx context.Context, table string, rows []schema.Row) error {
	start := time.Now()
	if err := w.checkOpen(); err != nil {
		return err
	}
	l, ok := w.plain[table]
	if !ok {
		return fmt.Errorf("append rows to %q: %w: not a table AppendRows writes", table, store.ErrInvalidName)
	}
	if len(rows) == 0 {
		return nil
	}
	out := newRows(l, len(rows))
	enc := newEncoder(l, w.tpl)
	now := w.s.opts.Now().UnixNano()
	for i := range rows {
		enc.encode(out, nil, &rows[i], now)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.checkOpen(); err != nil {
		return err
	}
	err := w.inTx(ctx, sqlConn{w.wconn}, func() error {
		return w.appendRows(w.wconn, l.phys, l.columnNames(), out.len(), out.driverRow)
	})
	if err != nil {
		return fmt.Errorf("append %d rows to %s: %w", len(rows), table, err)
	}
	w.s.m.rowsAppended.WithLabelValues(table).Add(float64(len(rows)))
	w.s.m.appendSeconds.WithLabelValues("rows").Observe(time.Since(start).Seconds())
	return nil
}
