package duckdb

import (
	"context"
	"sort"

	"wsec/internal/schema"
)

// Tables returns the logical tables a query may name: the built-in ones
// (SecurityEvent, WindowsEvent, Heartbeat, SecurityAlert, SecurityIncident, Anomalies
// as schema defines them) and the
// workspace's custom tables with the columns they have so far
// (schema.NewTable, so Col works on them too).
func (w *Workspace) Tables(ctx context.Context) ([]*schema.Table, error) {
	if err := w.checkOpen(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cat := w.s.cat
	out := append([]*schema.Table{cat.SecurityEvent, cat.WindowsEvent, cat.Heartbeat}, cat.Detection()...)
	w.mu.Lock()
	custom := make([]*schema.Table, 0, len(w.custom))
	for _, ct := range w.custom {
		custom = append(custom, ct.schemaTable())
	}
	w.mu.Unlock()
	sort.Slice(custom, func(i, j int) bool { return custom[i].Name < custom[j].Name })
	return append(out, custom...), nil
}
