package duckdb

import (
	"fmt"
	"slices"
	"strings"

	"wsec/internal/schema"
	"wsec/internal/store/duckdb/bulk"
)

// Hot columns: the logical columns stored as physical columns of their own.
// Every other logical column of the table is reproduced by the view, from
// the payload kept in _Vals (SecurityEvent payload columns) or from the
// extras of _Vals.
//
// The choice is a cost trade, measured (doc.go): DuckDB's append cost grows
// with every physical column, null or not (~0.2-0.4 µs per cell), while a
// payload field is already in _Vals, which is stored anyway, and a cold
// column costs a Go call per row on read. So the hot columns are the System
// fields queries filter and group on, the columns the mapper derives
// (Activity, Account, ...; never reproducible from the payload), and the
// payload fields rules and hunting name most (securityEventShared), whose
// values _Vals then does not repeat. System values that are the same for
// every event of a kind and that rules name only after filtering on hotter
// ones (Level, EventSourceName, SourceSystem: `EventID == 1102 and
// EventSourceName == ...`) are template constants instead, which saved
// ~0.8 µs per event (three text cells). The other payload fields are read
// from _Vals: a query pays for the extraction only on rows that pass its
// other filters and only when it names the column. Names missing from the
// schema are skipped, so the schema may evolve without breaking the store.
var securityEventHot = slices.Concat([]string{
	"TimeGenerated", "Computer", "EventID", "Channel", "Task",
	"EventRecordID",
	// derived by the mapper, never reproducible from EventData
	"Activity", "Account", "AccountType", "SubjectAccount", "TargetAccount",
	"LogonTypeName", "Process",
	"_TimeReceived",
}, securityEventShared[:])

// securityEventShared are the payload fields the corpus' Sentinel rules and
// the analytics pack name most (each in 4-13 of the 44 that read
// SecurityEvent), physical so that they query at columnar speed. A row's
// _Vals does not repeat their values: a payload value equal to the physical
// column of its field's name is the token "^", and the view hands these
// columns, in this order, to wsec_col to render EventData. So the order is
// part of the format: append only.
var securityEventShared = [...]string{
	"IpAddress", "TargetUserName", "SubjectUserName", "CommandLine",
	"TargetDomainName", "SubjectDomainName", "NewProcessName", "ParentProcessName",
	"LogonType", "Status", "SubStatus",
}

// sharedArg is the position of a shared column among wsec_col's hot values.
var sharedArg = func() map[string]int {
	m := make(map[string]int, len(securityEventShared))
	for i, n := range securityEventShared {
		m[n] = i
	}
	return m
}()

// securityEventLayout is the hot list migrate lays SecurityEvent out with;
// tests set an earlier one to build a workspace of an earlier layout.
var securityEventLayout = securityEventHot

var windowsEventHot = [...]string{
	"TimeGenerated", "Computer", "EventID", "Channel", "Provider", "Task",
	"EventLevel", "EventLevelName", "EventRecordId", "EventData", "Data",
	"SourceSystem", "_TimeReceived",
}

// physCol is one physical column.
type physCol struct {
	name    string // quoted when used in SQL
	sqlType string
	logical int         // logical column index; -1 for internal columns
	typ     schema.Type // logical type of the value stored
}

// layout maps one logical table onto its physical table.
type layout struct {
	table *schema.Table
	// view is true when the logical table is a view over phys; false when
	// the logical table is the physical table itself (Heartbeat, custom).
	view bool
	phys string
	cols []physCol
	// physOf maps a logical column index to its physical column, or -1.
	physOf []int
	// constant maps a logical column index to the SQL literal the view
	// emits for it, or "" (Type, TenantId).
	constant []string
	// keepPayload: _Vals keeps the event payload, from which the view
	// renders payloadCol (EventData) and reads cold columns a payload field
	// fills (SecurityEvent).
	keepPayload bool
	payloadCol  int // logical index, or -1
	// terms is the physical table of payloadCol's term index (terms.go),
	// or "".
	terms string
	// shared marks, per logical column, a physical column whose value a
	// payload field of its name leaves to it (securityEventShared).
	shared []bool
	// hasKey: the table carries the identity hash columns.
	hasKey bool
	// internal column positions; -1 when absent. received is the
	// physical _TimeReceived.
	vals, key0, key1, received int
}

// newViewLayout lays a built-in event table out as hot physical columns plus
// _Vals and the key hash, behind a view of the logical name. keepPayload
// stores the event payload in _Vals (the view renders EventData from it).
//
// existing lists the physical table's columns in table order (empty when
// the table does not exist yet). A column once physical stays physical (its
// old rows hold the value nowhere else); a hot column the database lacks is
// appended and returned in added, to be created and backfilled from the
// view's cold expression (backfillSQL).
func newViewLayout(t *schema.Table, hot []string, existing []string, keepPayload bool, tenant string) (l *layout, added []int) {
	l = &layout{table: t, view: true, phys: physPrefix + t.Name, keepPayload: keepPayload, hasKey: true,
		vals: -1, key0: -1, key1: -1, payloadCol: -1}
	l.physOf = make([]int, len(t.Columns))
	l.constant = make([]string, len(t.Columns))
	for i := range l.physOf {
		l.physOf[i] = -1
	}
	for _, c := range t.Columns {
		if !isIdent(c.Name) {
			panic("BUG: duckdb: column " + t.Name + "." + c.Name + " is not an identifier")
		}
	}
	addInternal := func(name, sqlType string, typ schema.Type) int {
		l.cols = append(l.cols, physCol{name: name, sqlType: sqlType, logical: -1, typ: typ})
		return len(l.cols) - 1
	}
	addHot := func(name string) bool {
		i, ok := t.Col(name)
		if !ok || l.physOf[i] >= 0 {
			return false
		}
		c := t.Columns[i]
		l.physOf[i] = len(l.cols)
		l.cols = append(l.cols, physCol{name: c.Name, sqlType: physType(c.Type), logical: i, typ: c.Type})
		return true
	}
	for _, name := range existing {
		switch name {
		case valsCol:
			l.vals = addInternal(valsCol, "VARCHAR", schema.String)
		case keyCol0:
			l.key0 = addInternal(keyCol0, "BIGINT", schema.Long)
		case keyCol1:
			l.key1 = addInternal(keyCol1, "BIGINT", schema.Long)
		default:
			addHot(name) // a column the schema dropped is left out of the layout
		}
	}
	if l.vals < 0 {
		l.vals = addInternal(valsCol, "VARCHAR", schema.String)
	}
	if l.key0 < 0 {
		l.key0 = addInternal(keyCol0, "BIGINT", schema.Long)
	}
	if l.key1 < 0 {
		l.key1 = addInternal(keyCol1, "BIGINT", schema.Long)
	}
	for _, name := range hot {
		if addHot(name) {
			i, _ := t.Col(name)
			added = append(added, i)
		}
	}
	if keepPayload {
		if i, ok := t.Col(payloadColumn); ok && l.physOf[i] < 0 && t.Columns[i].Type == schema.String {
			l.payloadCol = i
			l.terms = l.phys + termsSuffix
		}
		l.shared = make([]bool, len(t.Columns))
		for _, name := range securityEventShared {
			if i, ok := t.Col(name); ok && l.physOf[i] >= 0 && (t.Columns[i].Type == schema.String || t.Columns[i].Type == schema.Int) {
				l.shared[i] = true
			}
		}
	}
	l.setConstants(tenant)
	l.received = l.physIndex("_TimeReceived")
	return l, added
}

// payloadColumn is the logical column rendered from the kept payload
// (schema.EventDataXML).
const payloadColumn = "EventData"

// backfillSQL fills the newly physical columns (logical indexes) of
// existing rows with what the view showed for them before, their cold
// expressions, in one scan of the table.
func (l *layout) backfillSQL(cols []int) string {
	var b strings.Builder
	b.WriteString("UPDATE " + quoteIdent(l.phys) + " SET ")
	for k, i := range cols {
		if k > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(l.table.Columns[i].Name) + " = " + l.coldExpr(i))
	}
	return b.String()
}

// newPlainLayout lays a low-volume built-in table (Heartbeat) out as one
// physical table holding every logical column but the constant ones, behind
// a view. existing is as for newViewLayout; added columns need no backfill
// (old rows had no value for them).
func newPlainLayout(t *schema.Table, existing []string, tenant string) *layout {
	l := &layout{table: t, view: true, phys: physPrefix + t.Name, vals: -1, key0: -1, key1: -1, payloadCol: -1}
	l.physOf = make([]int, len(t.Columns))
	l.constant = make([]string, len(t.Columns))
	for i := range l.physOf {
		l.physOf[i] = -1
	}
	l.setConstants(tenant)
	add := func(name string) {
		i, ok := t.Col(name)
		if !ok || l.physOf[i] >= 0 || l.constant[i] != "" {
			return
		}
		c := t.Columns[i]
		l.physOf[i] = len(l.cols)
		l.cols = append(l.cols, physCol{name: c.Name, sqlType: physType(c.Type), logical: i, typ: c.Type})
	}
	for _, name := range existing {
		add(name)
	}
	for _, c := range t.Columns {
		add(c.Name)
	}
	l.received = l.physIndex("_TimeReceived")
	return l
}

// setConstants marks the columns whose value the table determines.
func (l *layout) setConstants(tenant string) {
	for i, c := range l.table.Columns {
		if l.physOf[i] >= 0 {
			continue
		}
		switch c.Name {
		case "Type":
			l.constant[i] = sqlString(l.table.Name)
		case "TenantId":
			l.constant[i] = sqlString(tenant)
		}
	}
}

// physType is the DuckDB type a logical type is stored as.
func physType(t schema.Type) string { return bulk.Of(t).String() }

// viewType is the DuckDB type the view exposes for a logical type.
func viewType(t schema.Type) string {
	switch t {
	case schema.TimeSpan:
		return "INTERVAL"
	case schema.Dynamic:
		return "JSON"
	}
	return physType(t)
}

// createSQL is the DDL of the physical table.
func (l *layout) createSQL() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS ")
	b.WriteString(quoteIdent(l.phys))
	b.WriteString(" (")
	for i, c := range l.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(c.name))
		b.WriteByte(' ')
		b.WriteString(c.sqlType)
		if i == l.vals {
			b.WriteString(valsCompression)
		}
	}
	b.WriteString(")")
	return b.String()
}

// valsCompression is how a new table stores _Vals: zstd rather than
// DuckDB's choice (FSST), a third of the bytes (doc.go). It needs the
// database's storage version to be v1.2.0 or later (storageVersion; older
// files keep FSST: DuckDB would store the column uncompressed).
const valsCompression = " USING COMPRESSION zstd"

// viewSQL is the DDL of the logical view: every logical column, by name, in
// schema order, with its logical type.
func (l *layout) viewSQL() string {
	var b strings.Builder
	b.WriteString("CREATE OR REPLACE VIEW ")
	b.WriteString(quoteIdent(l.table.Name))
	b.WriteString(" AS SELECT ")
	for i, c := range l.table.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l.columnExpr(i))
		b.WriteString(" AS ")
		b.WriteString(quoteIdent(c.Name))
	}
	b.WriteString(" FROM ")
	b.WriteString(quoteIdent(l.phys))
	return b.String()
}

// columnExpr is the SQL expression of logical column i over the physical
// table.
func (l *layout) columnExpr(i int) string {
	c := l.table.Columns[i]
	if p := l.physOf[i]; p >= 0 {
		switch c.Type {
		case schema.TimeSpan:
			return "to_microseconds(" + quoteIdent(c.Name) + " // 1000)"
		case schema.Dynamic:
			return "TRY_CAST(" + quoteIdent(c.Name) + " AS JSON)"
		}
		return quoteIdent(c.Name)
	}
	if lit := l.constant[i]; lit != "" {
		return "CAST(" + lit + " AS " + viewType(c.Type) + ")"
	}
	return l.coldExpr(i)
}

// coldExpr is the expression of a logical column that has no physical
// column: wsec_col (field.go) reads it from _Vals (an extra of the row or
// its template, the rendered payload, or the first payload field of its
// name), and the text is cast to the column's type.
func (l *layout) coldExpr(i int) string {
	c := l.table.Columns[i]
	if l.vals < 0 {
		return "CAST(NULL AS " + viewType(c.Type) + ")"
	}
	args := quoteIdent(valsCol) + ", " + sqlString(c.Name)
	if i == l.payloadCol {
		args += l.sharedArgs()
	}
	return restExpr(c.Type, colFunc+"("+args+")")
}

// sharedArgs are the shared columns' values wsec_col renders EventData
// with, as text in securityEventShared order (null where the table lacks
// the column: then no row refers to it).
func (l *layout) sharedArgs() string {
	var b strings.Builder
	for _, name := range securityEventShared {
		b.WriteString(", ")
		if i, ok := l.table.Col(name); ok && l.shared[i] {
			b.WriteString("CAST(" + quoteIdent(name) + " AS VARCHAR)")
		} else {
			b.WriteString("CAST(NULL AS VARCHAR)")
		}
	}
	return b.String()
}

// restExpr converts the text of a cold value to the logical type.
func restExpr(t schema.Type, text string) string {
	switch t {
	case schema.String, schema.GUID:
		return text
	case schema.TimeSpan:
		return "to_microseconds(TRY_CAST(" + text + " AS BIGINT) // 1000)"
	case schema.Dynamic:
		return "TRY_CAST(" + text + " AS JSON)"
	}
	return "TRY_CAST(" + text + " AS " + physType(t) + ")"
}

// columnNames lists the physical column names, for the appender.
// bulkTypes are the physical columns' types for the bulk appender.
func (l *layout) bulkTypes() []bulk.Type {
	out := make([]bulk.Type, len(l.cols))
	for i, c := range l.cols {
		out[i] = bulk.Of(c.typ)
	}
	return out
}

func (l *layout) columnNames() []string {
	out := make([]string, len(l.cols))
	for i, c := range l.cols {
		out[i] = c.name
	}
	return out
}

// isIdent reports whether s is a plain identifier: a letter or underscore,
// then letters, digits, underscores.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// quoteIdent quotes an identifier for DuckDB.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// sqlString quotes a string literal for DuckDB.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// String describes the layout for logs and FORMAT.md checks.
func (l *layout) String() string {
	return fmt.Sprintf("%s: %d logical columns, %d physical (%s)", l.table.Name, len(l.table.Columns), len(l.cols), l.phys)
}

// physIndex is the physical position of a logical column, or -1.
func (l *layout) physIndex(name string) int {
	if i, ok := l.table.Col(name); ok {
		return l.physOf[i]
	}
	return -1
}
