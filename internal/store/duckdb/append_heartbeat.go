package duckdb

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"

	"wsec/internal/schema"
)

// AppendHeartbeat stores one agent heartbeat in the Heartbeat table
// (mapped by schema.Mapper.HeartbeatRow). It returns once the row is
// durable. Heartbeats are not deduplicated: each is a reading of its own.
func (w *Workspace) AppendHeartbeat(ctx context.Context, hb *schema.Heartbeat) error {
	start := time.Now()
	if hb == nil {
		return fmt.Errorf("append heartbeat: nil heartbeat")
	}
	if err := w.checkOpen(); err != nil {
		return err
	}
	if err := w.s.disk.check(); err != nil {
		return fmt.Errorf("append heartbeat of %s: %w", hb.Computer, err)
	}
	var row schema.Row
	w.s.mapper.HeartbeatRow(hb, &row)
	out := newRows(w.hb, 1)
	enc := newEncoder(w.hb, w.tpl)
	enc.encode(out, nil, &row, w.s.opts.Now().UnixNano())
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.checkOpen(); err != nil {
		return err
	}
	err := w.inTx(ctx, sqlConn{w.wconn}, func() error {
		return w.appendRows(w.wconn, w.hb.phys, w.hb.columnNames(), 1, func(int) []driver.Value { return out.driverRow(0) })
	})
	if err != nil {
		return fmt.Errorf("append heartbeat of %s: %w", hb.Computer, err)
	}
	w.s.m.rowsAppended.WithLabelValues(schema.HeartbeatTable).Inc()
	w.s.m.appendSeconds.WithLabelValues("heartbeat").Observe(time.Since(start).Seconds())
	return nil
}
