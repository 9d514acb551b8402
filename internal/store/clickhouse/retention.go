package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// EnforceRetention implements store.Backend: in every workspace, on every
// shard, rows received before their table's retention are deleted (an
// ALTER TABLE ... DELETE mutation, issued only where such rows exist), and
// batch marks older than the longest retention.
func (s *Store) EnforceRetention(ctx context.Context) error {
	ids, err := s.WorkspaceIDs(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		w, err := s.workspace(ctx, id)
		if err == nil {
			err = w.EnforceRetention(ctx)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s *Store) retentionDays(workspace, table string) int {
	if s.opts.WorkspaceRetention != nil {
		if d, ok := s.opts.WorkspaceRetention(workspace)[table]; ok {
			return d
		}
	}
	if d, ok := s.opts.RetentionDays[table]; ok {
		return d
	}
	return s.opts.DefaultRetentionDays
}

// EnforceRetention runs one retention pass over this workspace.
func (w *Workspace) EnforceRetention(ctx context.Context) error {
	tables, err := w.Tables(ctx)
	if err != nil {
		return err
	}
	now := w.s.opts.Now()
	longest := 0
	var errs []error
	for _, t := range tables {
		days := w.s.retentionDays(w.id, t.Name)
		if days <= 0 {
			continue
		}
		longest = max(longest, days)
		cutoff := strconv.FormatInt(now.Add(-time.Duration(days)*24*time.Hour).UnixMicro(), 10)
		errs = append(errs, w.deleteWhere(ctx, localName(t.Name), "`"+colReceived+"` < "+cutoff))
	}
	if longest > 0 {
		cutoff := strconv.FormatInt(now.Add(-time.Duration(longest)*24*time.Hour).UnixMicro(), 10)
		errs = append(errs, w.deleteWhere(ctx, "wsec_batches", "`"+colReceived+"` < "+cutoff))
	}
	return errors.Join(errs...)
}

// deleteWhere deletes the rows of local table t matching cond on every
// shard that has any.
func (w *Workspace) deleteWhere(ctx context.Context, t, cond string) error {
	var errs []error
	for _, sh := range w.s.shards {
		res, err := sh.selectTSV(ctx, w.db, "SELECT toInt64(count()) FROM "+quoteIdent(t)+" WHERE "+cond, nil)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if res.rows[0][0].(int64) == 0 {
			continue
		}
		if err := sh.exec(ctx, w.db, "ALTER TABLE "+quoteIdent(t)+" DELETE WHERE "+cond, nil); err != nil {
			errs = append(errs, fmt.Errorf("retention of %s.%s: %w", w.id, t, err))
		}
	}
	return errors.Join(errs...)
}
