package sql

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"wsec/internal/kql"
)

// TimeColumn is the column the API timespan restricts.
const TimeColumn = "TimeGenerated"

// Options are the per-query inputs of compilation.
type Options struct {
	// TimeStart and TimeEnd are the API's timespan: every table that has a
	// TimeGenerated datetime column is read only where TimeStart <=
	// TimeGenerated < TimeEnd. A zero time leaves that side open.
	TimeStart, TimeEnd time.Time
	// ReceivedAfter and ReceivedUntil, when not zero, restrict every table
	// that has a _TimeReceived datetime column to ReceivedAfter <
	// _TimeReceived <= ReceivedUntil: what the workspace received in that
	// span (near-real-time analytics rules read newly ingested rows).
	ReceivedAfter, ReceivedUntil time.Time
	// Now is the query's clock for ago() and now(); zero means time.Now().
	Now time.Time
	// MaxRows, when > 0, caps the rows of the result (a LIMIT on the final
	// SELECT); 0 means no cap.
	MaxRows int64
	// Layout, when set, is the store's knowledge of how the workspace's
	// tables are laid out (layout.go); nil reads tables by name.
	Layout Layout
}

// Compile parses nothing: it checks q against cat and compiles it for the
// dialect into one SQL statement. It returns the statement and the output
// columns with their KQL types, in order.
func Compile(q *kql.Query, cat kql.Catalog, d Dialect, opts Options) (string, []kql.ColumnInfo, error) {
	plan, err := kql.Check(q, cat)
	if err != nil {
		return "", nil, err
	}
	return CompilePlan(plan, d, opts)
}

// CompilePlan compiles a checked plan.
func CompilePlan(p *kql.Plan, d Dialect, opts Options) (string, []kql.ColumnInfo, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	var used func(string) bool
	if opts.Layout != nil {
		// A first pass learns which columns the statement names, so that
		// the second reads tables through Layout.Source with just those.
		stmt, _, err := compilePass(p, d, opts, now, nil)
		if err != nil {
			return "", nil, err
		}
		used = usedColumns(d, stmt)
	}
	return compilePass(p, d, opts, now, used)
}

// compilePass compiles p once. used is nil in the first pass of a
// compilation with a Layout, which writes tables by name; then the columns
// the statement names.
func compilePass(p *kql.Plan, d Dialect, opts Options, now time.Time, used func(string) bool) (string, []kql.ColumnInfo, error) {
	c := &compiler{d: d, opts: opts, now: now.UTC(), shared: map[*kql.Shared]*relSQL{}, used: used}
	root, err := c.rel(p.Root)
	if err != nil {
		return "", nil, err
	}
	var sel []string
	var infos []kql.ColumnInfo
	for _, col := range root.cols {
		if col.hidden {
			continue
		}
		t := col.t
		if t == kql.TUnknown {
			t = kql.TDynamic
		}
		sel = append(sel, d.OutputColumn(c.ref("", col), t)+" AS "+d.Quote(col.name))
		infos = append(infos, kql.ColumnInfo{Name: col.name, Type: t, Expand: col.name == kql.BagColumn})
	}
	if len(sel) == 0 {
		return "", nil, fmt.Errorf("compile: the query returns no columns")
	}
	var b strings.Builder
	if len(c.ctes) > 0 {
		b.WriteString("WITH ")
		b.WriteString(strings.Join(c.ctes, ",\n"))
		b.WriteString("\n")
	}
	b.WriteString("SELECT ")
	b.WriteString(strings.Join(sel, ", "))
	b.WriteString("\nFROM (")
	b.WriteString(root.sql)
	b.WriteString(") AS ")
	b.WriteString(c.alias())
	if len(root.order) > 0 {
		b.WriteString("\nORDER BY ")
		b.WriteString(strings.Join(root.order, ", "))
	}
	if opts.MaxRows > 0 {
		b.WriteString("\nLIMIT ")
		b.WriteString(strconv.FormatInt(opts.MaxRows, 10))
	}
	if b.Len() > MaxSQLBytes {
		return "", nil, fmt.Errorf("compile: generated SQL is %d bytes, over the %d-byte limit", b.Len(), MaxSQLBytes)
	}
	return b.String(), infos, nil
}

// compiler holds the state of one compilation.
type compiler struct {
	d      Dialect
	opts   Options
	now    time.Time
	ctes   []string
	shared map[*kql.Shared]*relSQL
	n      int
	// used is the second pass's test of the columns the statement names
	// (Options.Layout); nil in the first pass and without a Layout.
	used func(string) bool
}

// col is a column of a compiled relation.
type col struct {
	name     string // KQL name
	sql      string // SQL name, unique (case-insensitively) in the relation
	t        kql.Type
	hidden   bool // an order key carried for sort; not a KQL column
	nullable bool
}

// relSQL is a compiled relation: a SELECT statement and its columns.
type relSQL struct {
	sql   string
	cols  []col
	order []string // ORDER BY terms over hidden columns; empty: unordered
	// from and where are set while the relation is a plain filtered scan,
	// so further filters join its WHERE instead of nesting.
	from  string
	where []string
	// table is the logical table a plain filtered scan reads through its
	// Layout.Source (in the first pass: would read), for TermFilter.
	table string
}

func (c *compiler) alias() string {
	c.n++
	return "t" + strconv.Itoa(c.n)
}

// ref is the SQL reference to a column, qualified by a table alias.
func (c *compiler) ref(qual string, col col) string {
	if qual == "" {
		return c.d.Quote(col.sql)
	}
	return qual + "." + c.d.Quote(col.sql)
}

// names hands out SQL column names unique within one relation (and, with
// seq set, in the whole statement: see GlobalAliases).
type names struct {
	taken map[string]bool
	seq   *int
}

// newNames is newNames for the compiler's dialect.
func (c *compiler) newNames() *names {
	nm := newNames()
	if _, ok := c.d.(GlobalAliases); ok {
		nm.seq = &c.n
	}
	return nm
}

// namesOver is namesOver for the compiler's dialect.
func (c *compiler) namesOver(cols []col) *names {
	nm := namesOver(cols)
	if _, ok := c.d.(GlobalAliases); ok {
		nm.seq = &c.n
	}
	return nm
}

func newNames() *names { return &names{taken: map[string]bool{}} }

// alloc returns a SQL-safe, case-insensitively unique name for a KQL name.
func (n *names) alloc(kqlName string) string {
	var b strings.Builder
	for _, r := range kqlName {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	base := b.String()
	if base == "" || base[0] >= '0' && base[0] <= '9' {
		base = "c_" + base
	}
	if len(base) > 60 {
		base = base[:60]
	}
	if n.seq != nil {
		*n.seq++
		base += "__" + strconv.Itoa(*n.seq)
	}
	name := base
	for i := 2; n.taken[strings.ToLower(name)]; i++ {
		name = base + "_" + strconv.Itoa(i)
	}
	n.taken[strings.ToLower(name)] = true
	return name
}

func (n *names) reserve(sqlName string) { n.taken[strings.ToLower(sqlName)] = true }

// namesOver returns names with every column of cols (hidden ones included)
// taken, for an operator that adds columns to its input's.
func namesOver(cols []col) *names {
	nm := newNames()
	for _, cl := range cols {
		nm.reserve(cl.sql)
	}
	return nm
}

// rel compiles a plan relation.
func (c *compiler) rel(r kql.Rel) (*relSQL, error) {
	switch r := r.(type) {
	case *kql.Scan:
		return c.scan(r)
	case *kql.Values:
		return c.values(r)
	case *kql.Range:
		return c.rangeRel(r)
	case *kql.Filter:
		return c.filter(r)
	case *kql.Project:
		return c.project(r)
	case *kql.Aggregate:
		return c.aggregate(r)
	case *kql.Sort:
		return c.sort(r)
	case *kql.Limit:
		return c.limit(r)
	case *kql.Join:
		return c.join(r)
	case *kql.Union:
		return c.union(r)
	case *kql.MvExpand:
		return c.mvExpand(r)
	case *kql.Shared:
		return c.sharedRel(r)
	case *kql.MakeSeries:
		return c.makeSeries(r)
	case nil:
		return nil, fmt.Errorf("compile: missing relation")
	}
	return nil, fmt.Errorf("compile: unsupported relation %T", r)
}

// scopeOf is the expression scope over a relation's columns, qualified by
// alias (empty: unqualified).
func (c *compiler) scopeOf(in *relSQL, qual string) *scope {
	sc := &scope{cols: make(map[string]col, len(in.cols)), qual: qual}
	for _, col := range in.cols {
		if col.hidden {
			continue
		}
		if _, dup := sc.cols[col.name]; !dup {
			sc.cols[col.name] = col
		}
	}
	for _, o := range in.order {
		if qual != "" {
			o = qual + "." + o
		}
		sc.order = append(sc.order, o)
	}
	return sc
}

// hiddenCols returns the order-key columns to carry through an
// order-keeping operator.
func hiddenCols(in *relSQL) []col {
	var out []col
	for _, col := range in.cols {
		if col.hidden {
			out = append(out, col)
		}
	}
	return out
}

// wrap builds SELECT list FROM (in) AS alias [WHERE where].
func (c *compiler) wrap(list []string, in *relSQL, where string) (string, string) {
	a := c.alias()
	var b strings.Builder
	b.WriteString("SELECT ")
	b.WriteString(strings.Join(list, ", "))
	b.WriteString(" FROM (")
	b.WriteString(in.sql)
	b.WriteString(") AS ")
	b.WriteString(a)
	if where != "" {
		b.WriteString(" WHERE ")
		b.WriteString(where)
	}
	return b.String(), a
}

func (c *compiler) fold(x kql.Scalar) kql.Scalar { return kql.Fold(x, c.now) }

// boolLit is the dialect's spelling of a boolean constant.
func (c *compiler) boolLit(b bool) string {
	s, _ := c.d.Literal(&kql.Const{T: kql.TBool, V: b})
	return s
}
