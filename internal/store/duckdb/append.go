package duckdb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	duck "github.com/duckdb/duckdb-go/v2"
)

// inTx runs fn inside one transaction on the writer connection and commits
// it; on any error it rolls back, so nothing fn wrote remains. The caller
// holds w.mu. Once COMMIT returns, DuckDB has fsynced its WAL; inTx then
// syncs the directory entry of a new WAL (syncDir), so the transaction
// survives a crash or power loss from the moment inTx returns nil.
//
// COMMIT and ROLLBACK run without ctx's cancellation: interrupting a commit
// halfway would leave the caller unable to know whether it happened.
func (w *Workspace) inTx(ctx context.Context, fn func() error) error {
	if _, err := w.wconn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(); err != nil {
		if _, rbErr := w.wconn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
			w.log.Error("rollback failed", "err", rbErr)
			err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := ctx.Err(); err != nil {
		if _, rbErr := w.wconn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
			err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if _, err := w.wconn.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err != nil {
		// DuckDB rolls a failed commit back; make sure no transaction lingers.
		_, _ = w.wconn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return fmt.Errorf("commit: %w", err)
	}
	if err := w.syncDir(); err != nil {
		return fmt.Errorf("committed, but %w", err)
	}
	return nil
}

// appendRows appends n rows to table through DuckDB's appender, naming
// columns (the table may have more; they get null). row returns row i:
// len(columns) values, not retained. It runs inside the caller's transaction: the
// appender's rows commit or roll back with it.
func (w *Workspace) appendRows(table string, columns []string, n int, row func(i int) []driver.Value) error {
	if n == 0 {
		return nil
	}
	return w.wconn.Raw(func(dc any) error {
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
