package analytics

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"
)

// Marks a workspace's rules keep in the store when nodes share it, by
// rule ID; values are Unix microseconds.
const (
	markCursor     = "cursor/"
	markSuppressed = "suppressed/"
	markPending    = "pending/"
)

// leaseName is the store lease on workspace ws's rules.
func leaseName(ws string) string { return "analytics/" + ws }

// defaultNode names this process in leases: unique per process, so a
// restarted node is a new holder and waits for its old lease to expire.
func defaultNode() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// lead makes sure this node holds the lease on w's rules, renewing it when
// half of it is used, and returns a context that ends when the lease does,
// so no evaluation of this node outlives it. On a new term it loads the
// rules' cursors from the store's marks (another node may have moved
// them) and drops the incident book (another node may have changed
// incidents). ok is false when another node holds the lease. Without a
// Coordinator this node is the only one: ok, and ctx unchanged. The caller
// holds w.mu.
func (e *Engine) lead(ctx context.Context, w *wsState) (context.Context, context.CancelFunc, bool, error) {
	c := e.opts.Coordinator
	if c == nil {
		return ctx, func() {}, true, nil
	}
	if time.Until(w.until) < e.opts.LeaseTTL/2 {
		l, err := c.AcquireLease(ctx, leaseName(w.id), e.opts.Node, e.opts.LeaseTTL)
		if err != nil || !l.Held {
			w.until = time.Time{}
			return ctx, func() {}, false, err
		}
		if l.Term != w.term {
			marks, err := c.Marks(ctx, leaseName(w.id))
			if err != nil {
				w.until = time.Time{}
				return ctx, func() {}, false, err
			}
			w.applyMarks(marks)
			w.book, w.term = nil, l.Term
		}
		w.until = l.Until
	}
	lctx, cancel := context.WithDeadline(ctx, w.until)
	return lctx, cancel, true, nil
}

// applyMarks moves the rules' state to the marks where they are ahead.
func (w *wsState) applyMarks(marks map[string]int64) {
	later := func(t *time.Time, key string) {
		if v, ok := marks[key]; ok {
			if m := time.UnixMicro(v).UTC(); m.After(*t) {
				*t = m
			}
		}
	}
	for id, ent := range w.rules {
		later(&ent.Cursor, markCursor+id)
		later(&ent.SuppressedUntil, markSuppressed+id)
		later(&ent.Pending, markPending+id)
		if !ent.Pending.After(ent.Cursor) {
			ent.Pending = time.Time{}
		}
	}
}

// commit persists rule id's state after it moved: in the store's marks
// first when nodes share the store (the marks are what the next lease
// holder resumes from), then in the workspace's state file.
func (e *Engine) commit(ctx context.Context, w *wsState, id string) error {
	if c := e.opts.Coordinator; c != nil {
		ent := w.rules[id]
		marks := map[string]int64{markCursor + id: ent.Cursor.UnixMicro()}
		if !ent.SuppressedUntil.IsZero() {
			marks[markSuppressed+id] = ent.SuppressedUntil.UnixMicro()
		}
		if !ent.Pending.IsZero() {
			marks[markPending+id] = ent.Pending.UnixMicro()
		}
		if err := c.SetMarks(ctx, leaseName(w.id), marks); err != nil {
			return err
		}
	}
	return w.save()
}
