package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"
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
	walBytes, err := w.commitTx(ctx, conn, fn)
	if err == nil {
		w.maybeCheckpoint(conn, walBytes)
	}
	return err
}

// commitTx is inTx without the checkpoint: it returns the WAL's size after
// the commit for the caller's maybeCheckpoint, so that a writer can
// acknowledge its group before it checkpoints.
func (w *Workspace) commitTx(ctx context.Context, conn txConn, fn func() error) (walBytes int64, err error) {
	w.ckpt.RLock()
	walBytes, err = w.inTxLocked(ctx, conn, fn)
	w.ckpt.RUnlock()
	if err == nil {
		w.lastCommit.Store(time.Now().UnixNano())
	}
	return walBytes, err
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

// maybeCheckpoint folds the WAL into the database file once it has grown
// (walBytes, as the commit left it) past Options.CheckpointThresholdBytes.
// One goroutine checkpoints at a time; others go on.
//
// The store rather than DuckDB decides when: DuckDB checkpoints at a
// commit only when no other write transaction holds its checkpoint lock
// (with two writers, rarely), so its WAL grew to twice the threshold before
// this forced one, and the WAL is what opening the workspace after a crash
// replays (~1 s per 100 MiB). A smaller threshold used to cost throughput
// mostly because each checkpoint merged the part-filled row group the
// previous one left with its neighbours (DuckDB's vacuum: 3 row groups into
// 2, rewriting ~190k rows per checkpoint at 64 MiB); with vacuum tasks off
// (dsnOptions) a checkpoint compresses only the rows it folds in.
func (w *Workspace) maybeCheckpoint(conn txConn, walBytes int64) {
	if walBytes < w.s.opts.CheckpointThresholdBytes || !w.checkpointing.CompareAndSwap(false, true) {
		return
	}
	defer w.checkpointing.Store(false)
	if err := w.checkpoint(conn); err != nil {
		w.log.Warn("checkpoint failed", slog.Any("err", err))
	}
}

// idleCheckpoints checkpoints the workspace once no transaction has
// committed for idle while the WAL holds some, until stop is closed: ingest
// that pauses or ends leaves nothing for a restart to replay (nor rows in
// memory uncompressed), at no cost under load, where the threshold
// (maybeCheckpoint) bounds the WAL instead.
func (w *Workspace) idleCheckpoints(idle time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(idle / 2)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if time.Since(time.Unix(0, w.lastCommit.Load())) < idle || !w.walExists() ||
			!w.checkpointing.CompareAndSwap(false, true) {
			continue
		}
		if err := w.checkpoint(sqlDB{w.db}); err != nil {
			w.log.Warn("idle checkpoint failed", slog.Any("err", err))
		}
		w.checkpointing.Store(false)
	}
}

// walExists reports whether DuckDB's WAL file exists (a checkpoint removes
// it).
func (w *Workspace) walExists() bool {
	_, err := os.Stat(w.path + walFileSuffix)
	return err == nil
}

// checkpoint runs DuckDB's CHECKPOINT on conn (not in a transaction) with
// every writer paused (w.ckpt): DuckDB's CHECKPOINT needs no write
// transaction open.
func (w *Workspace) checkpoint(conn txConn) error {
	w.ckpt.Lock()
	defer w.ckpt.Unlock()
	start := time.Now()
	if err := conn.exec(context.Background(), "CHECKPOINT"); err != nil {
		return err
	}
	w.log.Info("checkpointed", slog.Duration("took", time.Since(start)))
	return nil
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

// sqlDB runs a statement on a connection of the pool.
type sqlDB struct{ *sql.DB }

func (d sqlDB) exec(ctx context.Context, query string) error {
	_, err := d.ExecContext(ctx, query)
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
