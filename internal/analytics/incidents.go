package analytics

import (
	"context"

	"wsec/internal/analytics/incident"
)

// Incidents returns the workspace's incidents, newest first.
func (e *Engine) Incidents(ctx context.Context, ws string) ([]incident.Incident, error) {
	var out []incident.Incident
	err := e.withBook(ctx, ws, func(b *incident.Book) error {
		for _, in := range b.List() {
			out = append(out, *in)
		}
		return nil
	})
	return out, err
}

// Incident returns one incident.
func (e *Engine) Incident(ctx context.Context, ws string, n int) (incident.Incident, error) {
	var out incident.Incident
	err := e.withBook(ctx, ws, func(b *incident.Book) error {
		in, ok := b.Get(n)
		if !ok {
			return incident.ErrNotFound
		}
		out = *in
		return nil
	})
	return out, err
}

// Change applies one lifecycle change (op on the book) and stores the
// incident's new version; it returns the new state.
func (e *Engine) Change(ctx context.Context, ws string, op func(b *incident.Book) (*incident.Incident, error)) (incident.Incident, error) {
	var out incident.Incident
	err := e.withBook(ctx, ws, func(b *incident.Book) error {
		in, err := op(b)
		if err != nil {
			return err
		}
		w, err := e.workspace(ws)
		if err != nil {
			return err
		}
		if err := e.storeIncidents(ctx, w, b); err != nil {
			return err
		}
		out = *in
		return nil
	})
	return out, err
}

func (e *Engine) withBook(ctx context.Context, ws string, f func(b *incident.Book) error) error {
	w, err := e.workspace(ws)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if e.opts.Coordinator != nil {
		w.book = nil // another node may have changed incidents
	}
	b, err := e.book(ctx, w)
	if err != nil {
		return err
	}
	return f(b)
}
