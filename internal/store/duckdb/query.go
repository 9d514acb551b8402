package duckdb

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"wsec/internal/store"
)

// Query runs one read-only SQL statement (a SELECT, as the KQL compiler
// emits against the logical tables) and returns its result with KQL types.
//
// Anything but a single SELECT is refused with store.ErrNotReadOnly. The
// database is opened with external access disabled, so a query sees only
// this workspace's tables. The result is bounded by Options.MaxResultRows
// (the statement is wrapped in a LIMIT so DuckDB stops there too) and
// Options.MaxResultBytes; hitting either sets Result.Truncated. Cancelling
// ctx interrupts the query inside DuckDB. Queries run concurrently with
// appends and see every append committed before they start.
func (w *Workspace) Query(ctx context.Context, sqlText string, args ...any) (*store.Result, error) {
	start := time.Now()
	res, err := w.query(ctx, sqlText, args)
	w.s.m.querySeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		w.s.m.queryErrors.Inc()
		return nil, fmt.Errorf("query workspace %s: %w", w.id, err)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

func (w *Workspace) query(ctx context.Context, sqlText string, args []any) (*store.Result, error) {
	if err := w.checkOpen(); err != nil {
		return nil, err
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("get connection: %w", err)
	}
	defer conn.Close()
	body := strings.TrimRight(strings.TrimSpace(sqlText), "; \t\r\n")
	var res *store.Result
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*duck.Conn)
		if !ok {
			return fmt.Errorf("BUG: duckdb: driver connection is %T", dc)
		}
		limit := w.s.opts.MaxResultRows
		st, shape, err := prepareBounded(c, body, limit)
		if err != nil {
			return err
		}
		defer st.Close()
		named := make([]driver.NamedValue, len(args))
		for i, a := range args {
			named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		}
		rs, err := st.QueryContext(ctx, named)
		if err != nil {
			return err
		}
		defer rs.Close()
		res, err = w.readRows(rs, shape, limit)
		return err
	})
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return nil, err
	}
	return res, nil
}

// resultShape is what the statement returns, known before it runs.
type resultShape struct {
	names []string
	kinds []valueKind
}

// valueKind says how a DuckDB result type becomes a KQL value.
type valueKind uint8

const (
	kindString valueKind = iota
	kindInt
	kindLong
	kindReal
	kindBool
	kindDateTime
	kindTimeSpan
	kindDynamic // JSON text; the query casts it to VARCHAR
	kindGUID
)

var kindNames = [...]string{"string", "int", "long", "real", "bool", "datetime", "timespan", "dynamic", "guid"}

// prepareBounded prepares body wrapped in a LIMIT of limit+1 rows (so that
// DuckDB stops there too) and learns its result columns.
//
// Preparing is where DuckDB binds the views a query names, the bigger part
// of a small query's time (a view of ~230 columns: ~3-4 ms), so the
// statement is prepared once; a second time only when it returns dynamic
// columns, whose JSON text the REPLACE clause keeps. duckdb-go's
// PrepareContext runs every statement of a text but the last, so the
// statement is prepared with Prepare, which refuses more than one: a body
// that closes the wrapper's parenthesis to smuggle a statement in makes
// the text several statements and is refused; what remains is one SELECT
// whose FROM is the body.
func prepareBounded(c *duck.Conn, body string, limit int) (*duck.Stmt, *resultShape, error) {
	prefix, suffix := "SELECT * ", "FROM (\n"+body+"\n) AS wsec_q LIMIT "+strconv.Itoa(limit+1)
	st, shape, err := prepareSelect(c, prefix+suffix)
	if err != nil {
		// The body's own error names what is wrong with it (not a
		// single SELECT, a syntax error) at its own positions.
		bst, _, berr := prepareSelect(c, body)
		if berr != nil {
			return nil, nil, berr
		}
		bst.Close()
		return nil, nil, err
	}
	if r := shape.replace(); r != "" {
		st.Close()
		// The shape stays the first one's: the REPLACE turns the dynamic
		// columns into text the driver does not know as JSON.
		if st, _, err = prepareSelect(c, prefix+r+suffix); err != nil {
			return nil, nil, err
		}
	}
	return st, shape, nil
}

// prepareSelect prepares one statement, refusing anything but a single
// SELECT, and learns its columns.
func prepareSelect(c *duck.Conn, text string) (st *duck.Stmt, shape *resultShape, err error) {
	s, err := c.Prepare(text)
	if err != nil {
		return nil, nil, fmt.Errorf("prepare: %w", err)
	}
	ds, ok := s.(*duck.Stmt)
	if !ok {
		s.Close()
		return nil, nil, fmt.Errorf("BUG: duckdb: statement is %T", s)
	}
	defer func() {
		if err != nil {
			ds.Close()
		}
	}()
	typ, err := ds.StatementType()
	if err != nil {
		return nil, nil, fmt.Errorf("statement type: %w", err)
	}
	if typ != duck.STATEMENT_TYPE_SELECT {
		return nil, nil, store.ErrNotReadOnly
	}
	n, err := ds.ColumnCount()
	if err != nil {
		return nil, nil, fmt.Errorf("column count: %w", err)
	}
	shape = &resultShape{names: make([]string, n), kinds: make([]valueKind, n)}
	for i := range n {
		if shape.names[i], err = ds.ColumnName(i); err != nil {
			return nil, nil, fmt.Errorf("column %d name: %w", i, err)
		}
		ti, err := ds.ColumnTypeInfo(i)
		if err != nil {
			return nil, nil, fmt.Errorf("column %d type: %w", i, err)
		}
		shape.kinds[i] = kindOf(ti)
	}
	return ds, shape, nil
}

// kindOf maps a DuckDB type to a KQL kind.
func kindOf(ti duck.TypeInfo) valueKind {
	if ti.Alias() == "JSON" {
		return kindDynamic
	}
	switch ti.InternalType() {
	case duck.TYPE_BOOLEAN:
		return kindBool
	case duck.TYPE_TINYINT, duck.TYPE_SMALLINT, duck.TYPE_INTEGER, duck.TYPE_UTINYINT, duck.TYPE_USMALLINT:
		return kindInt
	case duck.TYPE_BIGINT, duck.TYPE_UINTEGER, duck.TYPE_UBIGINT, duck.TYPE_HUGEINT, duck.TYPE_UHUGEINT:
		return kindLong
	case duck.TYPE_FLOAT, duck.TYPE_DOUBLE, duck.TYPE_DECIMAL:
		return kindReal
	case duck.TYPE_TIMESTAMP, duck.TYPE_TIMESTAMP_S, duck.TYPE_TIMESTAMP_MS, duck.TYPE_TIMESTAMP_NS,
		duck.TYPE_TIMESTAMP_TZ, duck.TYPE_DATE:
		return kindDateTime
	case duck.TYPE_INTERVAL:
		return kindTimeSpan
	case duck.TYPE_LIST, duck.TYPE_STRUCT, duck.TYPE_MAP, duck.TYPE_ARRAY, duck.TYPE_UNION:
		return kindDynamic
	case duck.TYPE_UUID:
		return kindGUID
	}
	return kindString
}

// replace is the REPLACE clause that turns dynamic columns into their JSON
// text, so that values arrive as written instead of re-encoded (JSON
// numbers beyond 2^53 would lose digits). Empty when there are none, or
// when duplicate column names make REPLACE ambiguous (the values are then
// re-encoded from what the driver decoded).
func (s *resultShape) replace() string {
	var parts []string
	seen := make(map[string]bool, len(s.names))
	for i, n := range s.names {
		if seen[n] {
			return ""
		}
		seen[n] = true
		if s.kinds[i] == kindDynamic {
			parts = append(parts, "CAST(to_json("+quoteIdent(n)+") AS VARCHAR) AS "+quoteIdent(n))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "REPLACE (" + strings.Join(parts, ", ") + ") "
}

// readRows reads at most limit rows (and MaxResultBytes) of rs.
func (w *Workspace) readRows(rs driver.Rows, shape *resultShape, limit int) (*store.Result, error) {
	cols := rs.Columns()
	if len(cols) != len(shape.kinds) {
		return nil, fmt.Errorf("BUG: duckdb: result has %d columns, prepared %d", len(cols), len(shape.kinds))
	}
	res := &store.Result{Columns: make([]store.Column, len(cols))}
	for i, n := range cols {
		res.Columns[i] = store.Column{Name: n, Type: kindNames[shape.kinds[i]]}
	}
	maxBytes := w.s.opts.MaxResultBytes
	var size int64
	dest := make([]driver.Value, len(cols))
	for {
		if err := rs.Next(dest); err != nil {
			if errors.Is(err, io.EOF) {
				return res, nil
			}
			return nil, fmt.Errorf("read row %d: %w", len(res.Rows), err)
		}
		if len(res.Rows) == limit {
			res.Truncated = true
			return res, nil
		}
		row := make([]any, len(cols))
		size += 24
		for i, v := range dest {
			cell, n, err := convert(v, shape.kinds[i])
			if err != nil {
				return nil, fmt.Errorf("row %d column %s: %w", len(res.Rows), cols[i], err)
			}
			row[i] = cell
			size += int64(n)
		}
		if size > maxBytes {
			res.Truncated = true
			return res, nil
		}
		res.Rows = append(res.Rows, row)
	}
}

// convert turns a driver value into the KQL cell of kind k, and its
// approximate size.
func convert(v driver.Value, k valueKind) (any, int, error) {
	if v == nil {
		return nil, 8, nil
	}
	switch k {
	case kindDynamic:
		switch x := v.(type) {
		case string:
			return json.RawMessage(x), len(x), nil
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, 0, fmt.Errorf("encode dynamic value: %w", err)
			}
			return json.RawMessage(b), len(b), nil
		}
	case kindInt:
		switch x := v.(type) {
		case int8:
			return int32(x), 8, nil
		case int16:
			return int32(x), 8, nil
		case int32:
			return x, 8, nil
		case uint8:
			return int32(x), 8, nil
		case uint16:
			return int32(x), 8, nil
		}
	case kindLong:
		switch x := v.(type) {
		case int64:
			return x, 8, nil
		case uint32:
			return int64(x), 8, nil
		case uint64:
			if x > math.MaxInt64 {
				return float64(x), 8, nil
			}
			return int64(x), 8, nil
		case *big.Int:
			if x.IsInt64() {
				return x.Int64(), 8, nil
			}
			f, _ := new(big.Float).SetInt(x).Float64()
			return f, 8, nil
		}
	case kindReal:
		switch x := v.(type) {
		case float64:
			return x, 8, nil
		case float32:
			return float64(x), 8, nil
		case duck.Decimal:
			return x.Float64(), 8, nil
		}
	case kindBool:
		if b, ok := v.(bool); ok {
			return b, 8, nil
		}
	case kindDateTime:
		if t, ok := v.(time.Time); ok {
			return t.UTC(), 8, nil
		}
	case kindTimeSpan:
		if iv, ok := v.(duck.Interval); ok {
			d := time.Duration(iv.Micros)*time.Microsecond + time.Duration(iv.Days)*24*time.Hour +
				time.Duration(iv.Months)*30*24*time.Hour
			return d, 8, nil
		}
	case kindGUID:
		switch x := v.(type) {
		case duck.UUID:
			return x.String(), 36, nil
		case *duck.UUID:
			return x.String(), 36, nil
		case []byte:
			if len(x) == 16 {
				var u duck.UUID
				copy(u[:], x)
				return u.String(), 36, nil
			}
		case string:
			return x, len(x), nil
		}
	}
	switch x := v.(type) {
	case string:
		return x, len(x), nil
	case []byte:
		return string(x), len(x), nil
	case fmt.Stringer:
		s := x.String()
		return s, len(s), nil
	}
	s := fmt.Sprint(v)
	return s, len(s), nil
}
