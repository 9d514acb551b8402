package bulk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"unsafe"

	"github.com/duckdb/duckdb-go-bindings"
	duck "github.com/duckdb/duckdb-go/v2"
)

// DB is a handle on a DuckDB database that duckdb-go opened.
type DB struct{ db duckdb_go_bindings.Database }

// Attach returns a handle on the database that duckdb-go opened with dsn
// (duckdb.NewConnector(dsn, ...), still open): Attach joins that instance
// rather than opening the file again, which DuckDB allows only with the
// same configuration, so dsn must be the same string. The database stays
// open until both the handle and duckdb-go's are closed.
func Attach(dsn string) (*DB, error) {
	path, query, _ := strings.Cut(dsn, "?")
	opts, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("bulk: attach to DuckDB database: options %q: %w", query, err)
	}
	var cfg duckdb_go_bindings.Config
	if duckdb_go_bindings.CreateConfig(&cfg) == duckdb_go_bindings.StateError {
		return nil, errors.New("bulk: create DuckDB config: out of memory?")
	}
	defer duckdb_go_bindings.DestroyConfig(&cfg)
	// what duckdb-go sets besides the DSN's options (its prepareConfig)
	set := map[string]string{"duckdb_api": "go"}
	for k, v := range opts {
		if len(v) > 0 {
			set[k] = v[0]
		}
	}
	for k, v := range set {
		if duckdb_go_bindings.SetConfig(cfg, k, v) == duckdb_go_bindings.StateError {
			return nil, fmt.Errorf("bulk: attach to DuckDB database %s: option %s=%s refused", path, k, v)
		}
	}
	d := &DB{}
	var msg string
	if duckdb_go_bindings.GetOrCreateFromCache(duck.GetInstanceCache(), path, &d.db, cfg, &msg) == duckdb_go_bindings.StateError {
		duckdb_go_bindings.Close(&d.db)
		return nil, fmt.Errorf("bulk: attach to DuckDB database %s: %s", path, msg)
	}
	return d, nil
}

// Close releases the handle.
func (d *DB) Close() { duckdb_go_bindings.Close(&d.db) }

// Conn is a connection for appends and the statements around them (BEGIN,
// COMMIT). Not safe for concurrent use.
type Conn struct{ c duckdb_go_bindings.Connection }

// Connect opens a connection.
func (d *DB) Connect() (*Conn, error) {
	c := &Conn{}
	if duckdb_go_bindings.Connect(d.db, &c.c) == duckdb_go_bindings.StateError {
		return nil, errors.New("bulk: connect to DuckDB database: the database is closed or out of memory")
	}
	return c, nil
}

// Close closes the connection; an open transaction is rolled back.
func (c *Conn) Close() { duckdb_go_bindings.Disconnect(&c.c) }

// Exec runs a statement that returns no rows of interest.
func (c *Conn) Exec(query string) error {
	var res duckdb_go_bindings.Result
	defer duckdb_go_bindings.DestroyResult(&res)
	if duckdb_go_bindings.Query(c.c, query, &res) == duckdb_go_bindings.StateError {
		return fmt.Errorf("%s: %s", query, duckdb_go_bindings.ResultError(&res))
	}
	return nil
}

// ScanInt64 runs query, whose result columns must all be BIGINT and never
// null, and calls fn with each chunk of the result (up to 2048 rows), one
// slice per column. The slices are DuckDB's vectors, valid only during the
// call. The result is streamed: memory holds one chunk, not the result.
//
// It exists for reads of millions of rows: through database/sql, Next and
// Scan cost ~150 ns a value, which made loading one hour of dedup keys
// (4.2M rows at 100M events a day) take over a second.
func (c *Conn) ScanInt64(query string, fn func(cols [][]int64) error) error {
	var stmt duckdb_go_bindings.PreparedStatement
	defer duckdb_go_bindings.DestroyPrepare(&stmt)
	if duckdb_go_bindings.Prepare(c.c, query, &stmt) == duckdb_go_bindings.StateError {
		return fmt.Errorf("%s: %s", query, duckdb_go_bindings.PrepareError(stmt))
	}
	var res duckdb_go_bindings.Result
	defer duckdb_go_bindings.DestroyResult(&res)
	if duckdb_go_bindings.ExecutePreparedStreaming(stmt, &res) == duckdb_go_bindings.StateError {
		return fmt.Errorf("%s: %s", query, duckdb_go_bindings.ResultError(&res))
	}
	cols := make([][]int64, duckdb_go_bindings.ColumnCount(&res))
	for i := range cols {
		if t := duckdb_go_bindings.ColumnType(&res, duckdb_go_bindings.IdxT(i)); t != duckdb_go_bindings.TypeBigInt {
			return fmt.Errorf("%s: column %d is of DuckDB type %d, not BIGINT", query, i, t)
		}
	}
	for {
		chunk := duckdb_go_bindings.FetchChunk(res)
		if chunk.Ptr == nil {
			break
		}
		err := scanChunk(chunk, cols, fn)
		duckdb_go_bindings.DestroyDataChunk(&chunk)
		if err != nil {
			return fmt.Errorf("%s: %w", query, err)
		}
	}
	if msg := duckdb_go_bindings.ResultError(&res); msg != "" {
		return fmt.Errorf("%s: %s", query, msg)
	}
	return nil
}

func scanChunk(chunk duckdb_go_bindings.DataChunk, cols [][]int64, fn func([][]int64) error) error {
	size := duckdb_go_bindings.DataChunkGetSize(chunk)
	if size == 0 {
		return nil
	}
	for i := range cols {
		vec := duckdb_go_bindings.DataChunkGetVector(chunk, duckdb_go_bindings.IdxT(i))
		if mask := duckdb_go_bindings.VectorGetValidity(vec); mask != nil {
			for r := range size {
				if !duckdb_go_bindings.ValidityRowIsValid(mask, r) {
					return fmt.Errorf("column %d holds a null", i)
				}
			}
		}
		cols[i] = unsafe.Slice((*int64)(duckdb_go_bindings.VectorGetData(vec)), int(size))
	}
	return fn(cols)
}

// Appender appends rows to one table inside the connection's current
// transaction (or as its own, without one).
type Appender struct {
	a      duckdb_go_bindings.Appender
	chunk  duckdb_go_bindings.DataChunk
	types  []Type
	vecs   []duckdb_go_bindings.Vector
	data   []unsafe.Pointer // per column: the vector's data, for this chunk
	valid  []unsafe.Pointer // per column: its validity mask, once a null needs it
	n, max int
	// pin keeps the text buffers that string_t records of the current
	// chunk point into in place until DuckDB has copied them.
	pin    runtime.Pinner
	closed bool
}

// NewAppender returns an appender for columns (by name, in the order of
// Append's columns) of table, whose types must be types. Columns of the
// table not named get their default.
func (c *Conn) NewAppender(table string, columns []string, types []Type) (*Appender, error) {
	if len(columns) != len(types) {
		return nil, fmt.Errorf("bulk: appender for %s: %d columns but %d types", table, len(columns), len(types))
	}
	a := &Appender{types: types, max: int(duckdb_go_bindings.VectorSize())}
	if duckdb_go_bindings.AppenderCreateExt(c.c, "", "", table, &a.a) == duckdb_go_bindings.StateError {
		err := fmt.Errorf("bulk: create appender for %s: %s", table, duckdb_go_bindings.AppenderError(a.a))
		duckdb_go_bindings.AppenderDestroy(&a.a)
		return nil, err
	}
	for _, name := range columns {
		if duckdb_go_bindings.AppenderAddColumn(a.a, name) == duckdb_go_bindings.StateError {
			err := fmt.Errorf("bulk: appender for %s: column %s: %s", table, name, duckdb_go_bindings.AppenderError(a.a))
			duckdb_go_bindings.AppenderDestroy(&a.a)
			return nil, err
		}
	}
	lts := make([]duckdb_go_bindings.LogicalType, len(types))
	defer func() {
		for i := range lts {
			duckdb_go_bindings.DestroyLogicalType(&lts[i])
		}
	}()
	for i, t := range types {
		lts[i] = duckdb_go_bindings.AppenderColumnType(a.a, duckdb_go_bindings.IdxT(i))
		if got := duckdb_go_bindings.GetTypeId(lts[i]); got != duckType(t) {
			duckdb_go_bindings.AppenderDestroy(&a.a)
			return nil, fmt.Errorf("bulk: appender for %s: column %s has DuckDB type id %d, not %s", table, columns[i], got, t)
		}
	}
	a.chunk = duckdb_go_bindings.CreateDataChunk(lts)
	a.vecs = make([]duckdb_go_bindings.Vector, len(types))
	a.data = make([]unsafe.Pointer, len(types))
	a.valid = make([]unsafe.Pointer, len(types))
	for i := range types {
		a.vecs[i] = duckdb_go_bindings.DataChunkGetVector(a.chunk, duckdb_go_bindings.IdxT(i))
	}
	a.startChunk()
	return a, nil
}

func duckType(t Type) duckdb_go_bindings.Type {
	switch t {
	case Varchar:
		return duckdb_go_bindings.TypeVarchar
	case Integer:
		return duckdb_go_bindings.TypeInteger
	case BigInt:
		return duckdb_go_bindings.TypeBigInt
	case UBigInt:
		return duckdb_go_bindings.TypeUBigInt
	case Timestamp:
		return duckdb_go_bindings.TypeTimestamp
	case Double:
		return duckdb_go_bindings.TypeDouble
	case Boolean:
		return duckdb_go_bindings.TypeBoolean
	}
	return duckdb_go_bindings.TypeInvalid
}

func (a *Appender) startChunk() {
	duckdb_go_bindings.DataChunkReset(a.chunk)
	for i, v := range a.vecs {
		a.data[i] = duckdb_go_bindings.VectorGetData(v)
		a.valid[i] = nil
	}
	a.n = 0
}

// Append appends rows sel of cols (every row when sel is nil). cols are in
// the order of NewAppender's columns and must have as many rows as each
// other. The columns must not change until Close returns.
func (a *Appender) Append(cols []*Column, sel []int) error {
	if a.closed {
		return errors.New("bulk: append after Close")
	}
	if len(cols) != len(a.types) {
		return fmt.Errorf("bulk: append of %d columns to an appender of %d", len(cols), len(a.types))
	}
	rows := 0
	for i, c := range cols {
		if c.typ != a.types[i] {
			return fmt.Errorf("bulk: column %d is %s, the appender's %s", i, c.typ, a.types[i])
		}
		if i > 0 && c.Len() != rows {
			return fmt.Errorf("bulk: column %d has %d rows, column 0 %d", i, c.Len(), rows)
		}
		rows = c.Len()
		if c.typ == Varchar && len(c.buf) > 0 {
			a.pin.Pin(&c.buf[0])
		}
	}
	n := rows
	if sel != nil {
		n = len(sel)
	}
	for k := 0; k < n; {
		m := min(n-k, a.max-a.n)
		for ci, c := range cols {
			a.fill(ci, c, sel, k, m)
		}
		a.n += m
		k += m
		if a.n == a.max {
			if err := a.flushChunk(); err != nil {
				return err
			}
		}
	}
	return nil
}

// fill writes m rows of c (sel[k:k+m], or rows k..k+m-1) into column ci of
// the chunk from position a.n on.
func (a *Appender) fill(ci int, c *Column, sel []int, k, m int) {
	base := a.data[ci]
	for j := range m {
		r := k + j
		if sel != nil {
			r = sel[k+j]
		}
		at := a.n + j
		if c.null[r] {
			a.setNull(ci, at)
			continue
		}
		switch c.typ {
		case Integer:
			*(*int32)(unsafe.Add(base, 4*at)) = int32(c.num[r])
		case BigInt, UBigInt, Timestamp:
			*(*int64)(unsafe.Add(base, 8*at)) = c.num[r]
		case Double:
			*(*float64)(unsafe.Add(base, 8*at)) = c.flt[r]
		case Boolean:
			var b byte
			if c.num[r] != 0 {
				b = 1
			}
			*(*byte)(unsafe.Add(base, at)) = b
		case Varchar:
			putString(unsafe.Add(base, 16*at), c.text(r))
		}
	}
}

// putString writes s as a DuckDB string_t (duckdb.h, duckdb_string_t):
// length, then up to 12 bytes inline (zero-padded: DuckDB compares
// inlined strings as whole words), or a 4-byte prefix and a pointer.
func putString(dst unsafe.Pointer, s []byte) {
	rec := (*[16]byte)(dst)
	binary.LittleEndian.PutUint32(rec[0:4], uint32(len(s)))
	if len(s) <= 12 {
		*(*[12]byte)(rec[4:16]) = [12]byte{}
		copy(rec[4:16], s)
		return
	}
	copy(rec[4:8], s[:4])
	// As an integer: storing a pointer type into C memory would run the
	// GC's write barrier on whatever the chunk held there before. The
	// buffer is pinned (Append), so the address stays valid.
	binary.LittleEndian.PutUint64(rec[8:16], uint64(uintptr(unsafe.Pointer(unsafe.SliceData(s)))))
}

func (a *Appender) setNull(ci, at int) {
	if a.valid[ci] == nil {
		duckdb_go_bindings.VectorEnsureValidityWritable(a.vecs[ci])
		a.valid[ci] = duckdb_go_bindings.VectorGetValidity(a.vecs[ci])
	}
	w := (*uint64)(unsafe.Add(a.valid[ci], 8*(at/64)))
	*w &^= 1 << (at % 64)
}

func (a *Appender) flushChunk() error {
	if a.n == 0 {
		return nil
	}
	duckdb_go_bindings.DataChunkSetSize(a.chunk, duckdb_go_bindings.IdxT(a.n))
	if duckdb_go_bindings.AppendDataChunk(a.a, a.chunk) == duckdb_go_bindings.StateError {
		return fmt.Errorf("bulk: append: %s", duckdb_go_bindings.AppenderError(a.a))
	}
	a.startChunk()
	return nil
}

// Close appends what is buffered, flushes the appender into the
// transaction and releases it. After an error nothing more is appended;
// the caller's transaction should be rolled back.
func (a *Appender) Close() error {
	if a.closed {
		return nil
	}
	a.closed = true
	err := a.flushChunk()
	if err == nil && duckdb_go_bindings.AppenderClose(a.a) == duckdb_go_bindings.StateError {
		err = fmt.Errorf("bulk: flush appender: %s", duckdb_go_bindings.AppenderError(a.a))
	}
	duckdb_go_bindings.DestroyDataChunk(&a.chunk)
	duckdb_go_bindings.AppenderDestroy(&a.a)
	a.pin.Unpin()
	return err
}
