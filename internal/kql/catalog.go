package kql

import (
	"sort"

	"wsec/internal/schema"
)

// tableCatalog is a fixed set of tables.
type tableCatalog struct {
	tables map[string]*schema.Table
	names  []string
}

// NewCatalog returns a Catalog of the built-in tables of cat (SecurityEvent,
// WindowsEvent, Heartbeat), the Event view over WindowsEvent, plus extra tables (custom *_CL tables). It is
// immutable and safe for concurrent use.
func NewCatalog(cat *schema.Catalog, extra ...*schema.Table) Catalog {
	tc := &tableCatalog{tables: map[string]*schema.Table{}}
	for _, name := range []string{schema.SecurityEventTable, schema.WindowsEventTable, schema.HeartbeatTable} {
		if t, ok := cat.Table(name); ok {
			tc.tables[name] = t
		}
	}
	if _, ok := tc.tables[schema.WindowsEventTable]; ok {
		tc.tables[EventTable] = schema.NewTable(EventTable, eventColumns)
	}
	for _, t := range extra {
		tc.tables[t.Name] = t
	}
	for name := range tc.tables {
		tc.names = append(tc.names, name)
	}
	sort.Strings(tc.names)
	return tc
}

func (tc *tableCatalog) Table(name string) (*schema.Table, bool) {
	t, ok := tc.tables[name]
	return t, ok
}

func (tc *tableCatalog) Tables() []string { return tc.names }
