package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"wsec/internal/store/duckdb/bulk"
)

// inTx runs fn inside one transaction on conn (a writer connection the
// caller owns) and commits it; on any error it rolls back, so nothing fn
// wrote remains. Once COMMIT returns, DuckDB has fsynced its WAL; inTx then
// syncs the directory entry of a new WAL (syncDir), so the transaction
// survives a crash or power loss from the moment inTx returns nil.
//
// Write transactions hold w.ckpt shared, so that the checkpointer
// (maybeCheckpoint) can wait for a moment without any. COMMIT and ROLLBACK
// run without ctx's cancellation: interrupting a commit halfway would leave
// the caller unable to know whether it happened.
func (w *Workspace) inTx(ctx context.Context, conn txConn, fn func() error) error {
	w.ckpt.RLock()
	walBytes, err := w.inTxLocked(ctx, conn, fn)
	w.ckpt.RUnlock()
	if err == nil {
		w.maybeCheckpoint(conn, walBytes)
	}
	return err
}

// inTxLocked returns the WAL's size after the commit.
func (w *Workspace) inTxLocked(ctx context.Context, conn txConn, fn func() error) (walBytes int64, err error) {
	if err := conn.exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	if err := fn(); err != nil {
		if rbErr := conn.exec(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
			w.log.Error("rollback failed", "err", rbErr)
			err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		if rbErr := conn.exec(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
			err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return 0, err
	}
	if err := conn.exec(context.WithoutCancel(ctx), "COMMIT"); err != nil {
		// DuckDB rolls a failed commit back; make sure no transaction lingers.
		_ = conn.exec(context.WithoutCancel(ctx), "ROLLBACK")
		return 0, fmt.Errorf("commit: %w", err)
	}
	walBytes, err = w.syncDir()
	if err != nil {
		return 0, fmt.Errorf("committed, but %w", err)
	}
	return walBytes, nil
}

// maybeCheckpoint folds the WAL into the database file when it has grown
// (walBytes, as the commit left it) past twice the checkpoint threshold. DuckDB checkpoints by itself at a
// commit that crosses the threshold, but not while another write
// transaction is open, which with several writers can be most of the time;
// here all writers are paused (w.ckpt) for the checkpoint. One goroutine
// checkpoints at a time; others go on.
func (w *Workspace) maybeCheckpoint(conn txConn, walBytes int64) {
	if walBytes < 2*w.s.opts.CheckpointThresholdBytes || !w.checkpointing.CompareAndSwap(false, true) {
		return
	}
	defer w.checkpointing.Store(false)
	w.ckpt.Lock()
	defer w.ckpt.Unlock()
	start := time.Now()
	if err := conn.exec(context.Background(), "CHECKPOINT"); err != nil {
		w.log.Warn("checkpoint failed", slog.Any("err", err))
		return
	}
	w.log.Info("checkpointed", slog.Int64("wal_bytes", walBytes), slog.Duration("took", time.Since(start)))
}

// txConn is a connection transactions run on: database/sql's (sqlConn) or
// a bulk one (bulkConn, the writers').
type txConn interface {
	exec(ctx context.Context, query string) error
}

type sqlConn struct{ *sql.Conn }

func (c sqlConn) exec(ctx context.Context, query string) error {
	_, err := c.ExecContext(ctx, query)
	return err
}

// bulkConn runs statements without ctx: BEGIN and COMMIT do not wait on
// anything a caller could cancel.
type bulkConn struct{ *bulk.Conn }

func (c bulkConn) exec(_ context.Context, query string) error { return c.Exec(query) }

// appendRows appends n rows to table through DuckDB's appender, naming
// columns (the table may have more; they get null). row returns row i:
// len(columns) values, not retained. It runs inside the caller's transaction: the
// appender's rows commit or roll back with it.
func (w *Workspace) appendRows(conn *sql.Conn, table string, columns []string, n int, row func(i int) []driver.Value) error {
	if n == 0 {
		return nil
	}
	return conn.Raw(func(dc any) error {
		conn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("BUG: duckdb: driver connection is %T", dc)
		}
		a, err := duck.NewAppenderWithColumns(conn, "", "", table, columns)
		if err != nil {
			return fmt.Errorf("create appender for %s: %w", table, err)
		}
		for i := 0; i < n; i++ {
			if err := a.AppendRow(row(i)...); err != nil {
				_ = a.Close()
				return fmt.Errorf("append row %d to %s: %w", i, table, err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("flush appender of %s: %w", table, err)
		}
		return nil
	})
}
