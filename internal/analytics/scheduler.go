package analytics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"wsec/internal/analytics/rule"
)

// Run evaluates due windows of every enabled scheduled rule of the
// workspaces Options.Workspaces lists, every Tick, and their NRT rules as
// rows arrive (RunNRT), until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	tick := e.opts.Tick
	if e.opts.Coordinator != nil {
		tick = min(tick, e.opts.LeaseTTL/3) // renew before the lease lapses
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	if e.opts.Workspaces != nil {
		nrt := make(chan struct{})
		go func() {
			defer close(nrt)
			e.runNRT(ctx)
		}()
		defer func() { <-nrt }()
	}
	for {
		if e.opts.Workspaces != nil {
			for _, ws := range e.opts.Workspaces() {
				if _, err := e.RunDue(ctx, ws); err != nil && ctx.Err() == nil {
					e.log.Warn("analytics rules not run", slog.String("workspace", ws), slog.Any("err", err))
				}
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// RunDue evaluates, in order, every window of the workspace's enabled
// scheduled rules that ended at or before the clock less the ingestion
// delay and was not evaluated yet, moving each rule's cursor (persisted)
// after each window. A window that fails stops its rule until the next
// call, which retries it: none is skipped. With a Coordinator it does
// nothing while another node holds the workspace's lease. It returns the
// windows evaluated.
func (e *Engine) RunDue(ctx context.Context, ws string) (int, error) {
	w, err := e.workspace(ws)
	if err != nil {
		return 0, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, cancel, ok, err := e.lead(ctx, w)
	cancel()
	if !ok {
		return 0, err // another node runs the rules
	}
	if e.opts.Coordinator != nil {
		w.book = nil // another node may have changed incidents (API)
	}
	horizon := e.horizon()
	ids := make([]string, 0, len(w.rules))
	for id, ent := range w.rules {
		if ent.Enabled && ent.Rule != nil && ent.Rule.Kind == rule.Scheduled {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	n := 0
	var errs []error
	var lag time.Duration
	for _, id := range ids {
		ent := w.rules[id]
		r := ent.Rule
		if ent.Cursor.IsZero() { // first run: the window ending now
			ent.Cursor = horizon.Add(-r.QueryFrequency)
			if err := e.commit(ctx, w, id); err != nil {
				return n, err
			}
		}
		for end := ent.Cursor.Add(r.QueryFrequency); !end.After(horizon); end = ent.Cursor.Add(r.QueryFrequency) {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			lctx, cancel, ok, err := e.lead(ctx, w)
			if !ok {
				return n, err
			}
			sup := suppression{until: ent.SuppressedUntil}
			_, err = e.evaluate(lctx, w, r, scheduled(r, end), &sup)
			if err != nil {
				cancel()
				ent.LastError = err.Error()
				e.observe(time.Time{}, err)
				errs = append(errs, err)
				break
			}
			ent.Cursor, ent.SuppressedUntil, ent.LastError = end, sup.until, ""
			err = e.commit(lctx, w, id)
			cancel()
			if err != nil {
				return n, err
			}
			n++
			if err := e.step(stepSaved); err != nil {
				return n, err
			}
		}
		if l := horizon.Sub(ent.Cursor); l > lag {
			lag = l
		}
	}
	if m := e.opts.Metrics; m != nil {
		m.lagSeconds.Set(lag.Seconds())
	}
	return n, errors.Join(errs...)
}

// Backfill evaluates the windows of rule idOrName that end in (from, to]
// — the schedule laid from `from` — as the scheduler would have, storing
// their alerts and incidents. It leaves the rule's schedule alone, so
// rules work on imported evidence of any age; evaluating a window again
// stores nothing twice. progress, if set, is called after each window.
func (e *Engine) Backfill(ctx context.Context, ws, idOrName string, from, to time.Time, progress func(done, total int, o Outcome)) ([]Outcome, error) {
	w, err := e.workspace(ws)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	ent, err := w.find(idOrName)
	if err != nil {
		return nil, err
	}
	r := ent.Rule
	if ent.Problem != "" {
		return nil, fmt.Errorf("backfill %q: %s", r.Name, ent.Problem)
	}
	freq := r.QueryFrequency
	if r.Kind != rule.Scheduled {
		return nil, fmt.Errorf("backfill %q: only scheduled rules have windows (this one is %s)", r.Name, r.Kind)
	}
	if !to.After(from) {
		return nil, fmt.Errorf("backfill %q: --to %s is not after --from %s", r.Name, to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	total := int(to.Sub(from) / freq)
	if total > MaxBackfillWindows {
		return nil, fmt.Errorf("backfill %q: %d windows of %v, at most %d per request: narrow --from/--to", r.Name, total, freq, MaxBackfillWindows)
	}
	sup := suppression{}
	var out []Outcome
	for i := 1; i <= total; i++ {
		o, err := e.evaluate(ctx, w, r, scheduled(r, from.Add(time.Duration(i)*freq).UTC()), &sup)
		if err != nil {
			return out, err
		}
		out = append(out, o)
		if progress != nil {
			progress(i, total, o)
		}
	}
	return out, nil
}

// RunNow evaluates rule idOrName once over the window that ends now (less
// the ingestion delay), storing its alerts, and returns the outcome; the
// schedule is left alone. A hunting query runs the same way but raises no
// alerts: use the query API for its rows.
func (e *Engine) RunNow(ctx context.Context, ws, idOrName string) (Outcome, error) {
	w, err := e.workspace(ws)
	if err != nil {
		return Outcome{}, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	ent, err := w.find(idOrName)
	if err != nil {
		return Outcome{}, err
	}
	if ent.Problem != "" {
		return Outcome{}, fmt.Errorf("run %q: %s", ent.Rule.Name, ent.Problem)
	}
	r := *ent.Rule
	if r.Kind != rule.Scheduled {
		r.QueryPeriod = rule.MaxPeriod // NRT and hunting: no window of their own
	}
	if r.Kind == rule.Hunting {
		r.TriggerOperator, r.TriggerThreshold = rule.LessThan, 0 // never fires
	}
	sup := suppression{until: ent.SuppressedUntil}
	return e.evaluate(ctx, w, &r, scheduled(&r, e.horizon()), &sup)
}
