package analytics

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"time"

	"wsec/internal/analytics/rule"
)

// runNRT runs the NRT rules of the workspaces Options.Workspaces lists
// after every append the Ingestion signals, and every NRTTick, until ctx
// ends.
func (e *Engine) runNRT(ctx context.Context) {
	t := time.NewTicker(e.opts.NRTTick)
	defer t.Stop()
	var appended <-chan struct{}
	if e.opts.Ingestion != nil {
		appended = e.opts.Ingestion.Appended()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-appended:
		}
		for _, ws := range e.opts.Workspaces() {
			if _, err := e.RunNRT(ctx, ws); err != nil && ctx.Err() == nil {
				e.log.Warn("NRT analytics rules not run", slog.String("workspace", ws), slog.Any("err", err))
			}
		}
	}
}

// nrtHorizon is the receive time up to which ws's rows are all stored.
func (e *Engine) nrtHorizon(ws string) time.Time {
	if g := e.opts.Ingestion; g != nil && e.opts.Coordinator == nil {
		return g.Safe(ws)
	}
	return e.now().UTC().Add(-NRTSettle).Truncate(time.Microsecond)
}

// RunNRT evaluates each enabled NRT rule of ws over the rows received
// since its cursor, up to the receive time at which every row is stored,
// and moves the cursor (persisted): each row is read once. The span being
// evaluated is persisted first (Entry.Pending), so a crash makes the same
// span run again, storing nothing twice (alert IDs derive from the span
// and its rows). A rule enabled anew starts with the rows received from
// then on. It returns the spans evaluated.
func (e *Engine) RunNRT(ctx context.Context, ws string) (int, error) {
	w, err := e.workspace(ws)
	if err != nil {
		return 0, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	ctx, cancel, ok, err := e.lead(ctx, w)
	defer cancel()
	if !ok {
		return 0, err // another node runs the rules
	}
	horizon := e.nrtHorizon(ws)
	ids := make([]string, 0, len(w.rules))
	for id, ent := range w.rules {
		if ent.Enabled && ent.Rule != nil && ent.Rule.Kind == rule.NRT {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	n := 0
	var errs []error
	for _, id := range ids {
		ent := w.rules[id]
		if ent.Cursor.IsZero() {
			ent.Cursor = horizon
			if err := e.commit(ctx, w, id); err != nil {
				return n, err
			}
			continue
		}
		if ent.Pending.IsZero() {
			if !horizon.After(ent.Cursor) {
				continue
			}
			ent.Pending = horizon
			if err := e.commit(ctx, w, id); err != nil {
				return n, err
			}
		}
		sup := suppression{until: ent.SuppressedUntil}
		if _, err := e.evaluate(ctx, w, ent.Rule, window{start: ent.Cursor, end: ent.Pending, received: true}, &sup); err != nil {
			ent.LastError = err.Error()
			e.observe(time.Time{}, err)
			errs = append(errs, err)
			continue
		}
		ent.Cursor, ent.Pending, ent.SuppressedUntil, ent.LastError = ent.Pending, time.Time{}, sup.until, ""
		if err := e.commit(ctx, w, id); err != nil {
			return n, err
		}
		n++
		if err := e.step(stepSaved); err != nil {
			return n, err
		}
	}
	return n, errors.Join(errs...)
}
