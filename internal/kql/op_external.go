package kql

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Sources is what a Catalog may offer besides tables: the data of
// externaldata and of watchlists. Check reads them when it meets them, so
// the server decides what a query may read (an allow-list of URLs and
// files; the workspace's watchlists); without Sources both are refused.
type Sources interface {
	// ExternalData returns the content at uri, or an error saying why it
	// is refused (not in the allow-list, too big, unreachable).
	ExternalData(uri string) ([]byte, error)
	// Watchlist returns the workspace's watchlist of that alias.
	Watchlist(alias string) (*Watchlist, error)
}

// Watchlist is an uploaded CSV: its header, its rows, the column that is
// its search key, and when it was uploaded.
type Watchlist struct {
	Alias     string
	SearchKey string
	Header    []string
	Rows      [][]string
	Updated   time.Time
}

// WithSources returns cat with the sources of externaldata and watchlists.
func WithSources(cat Catalog, s Sources) Catalog {
	return &sourcedCatalog{Catalog: cat, Sources: s}
}

type sourcedCatalog struct {
	Catalog
	Sources
}

// MaxExternalRows bounds the rows externaldata and a watchlist bring into
// a query (they become constants of the SQL statement).
const MaxExternalRows = 100000

// ExternalDataOp is `externaldata (Col:type, ...) [uri, ...] [with (props)]`.
type ExternalDataOp struct {
	OpPos Pos
	Cols  []*ColumnDecl
	URIs  []Expr
	Props []*NamedExpr
}

func (o *ExternalDataOp) Pos() Pos     { return o.OpPos }
func (o *ExternalDataOp) Name() string { return "externaldata" }
func (*ExternalDataOp) exprNode()      {}

func (p *parser) parseExternalData(pos Pos) Expr {
	o := &ExternalDataOp{OpPos: pos}
	o.Cols, _ = p.parseSchema("after 'externaldata'")
	o.URIs = p.parseBracketed("the externaldata URIs")
	if p.gotWord("with") {
		p.expect(tLParen, "after 'with'")
		o.Props = p.parseNamedList("in externaldata properties", false)
		p.expect(tRParen, "to close the externaldata properties")
	}
	return o
}

func (o *ExternalDataOp) format(pr *printer) {
	pr.ws("externaldata (")
	for i, c := range o.Cols {
		if i > 0 {
			pr.ws(", ")
		}
		pr.ident(c.Name)
		pr.ws(":" + c.Type)
	}
	pr.ws(") [")
	pr.exprList(o.URIs)
	pr.ws("]")
	if len(o.Props) > 0 {
		pr.ws(" with (")
		pr.namedList(o.Props)
		pr.ws(")")
	}
}

func (c *checker) sources(pos Pos, what string) Sources {
	if s, ok := c.cat.(Sources); ok {
		return s
	}
	c.errorf(pos, "%s is not available: this server reads no external data or watchlists", what)
	return nil
}

// checkExternalData reads the URIs through the catalog's Sources and
// turns their records into a table of constants.
func (c *checker) checkExternalData(o *ExternalDataOp, e *env) Rel {
	v := c.declaredValues(o.Pos(), "externaldata", o.Cols)
	if v == nil {
		return nil
	}
	format, ignoreFirst := "csv", false
	for _, p := range o.Props {
		k, ok := Fold(c.scalar(p.X, nil, e), time.Time{}).(*Const)
		if len(p.Names) != 1 || !ok {
			c.errorf(p.Pos(), "externaldata properties are name = constant")
			return nil
		}
		switch strings.ToLower(p.Names[0].Name) {
		case "format":
			format = strings.ToLower(constText(k))
		case "ignorefirstrecord":
			ignoreFirst = constText(k) == "true"
		}
	}
	src := c.sources(o.Pos(), "externaldata")
	if src == nil {
		return nil
	}
	for _, u := range o.URIs {
		k, ok := Fold(c.scalar(u, nil, e), time.Time{}).(*Const)
		uri, isStr := k.V.(string)
		if !ok || !isStr {
			c.errorf(u.Pos(), "externaldata URIs must be constant strings")
			return nil
		}
		data, err := src.ExternalData(uri)
		if err != nil {
			c.errorf(u.Pos(), "externaldata: %v", err)
			return nil
		}
		records, err := readRecords(data, format, v.Cols)
		if err != nil {
			c.errorf(u.Pos(), "externaldata %s: %v", uri, err)
			return nil
		}
		if ignoreFirst && len(records) > 0 {
			records = records[1:]
		}
		for _, rec := range records {
			if len(v.Rows) == MaxExternalRows {
				c.errorf(u.Pos(), "externaldata brings more than %d rows into the query", MaxExternalRows)
				return nil
			}
			row := make([]Scalar, len(v.Cols))
			for i, col := range v.Cols {
				cell := ""
				if i < len(rec) {
					cell = rec[i]
				}
				row[i] = cellConst(cell, col.Type)
			}
			v.Rows = append(v.Rows, row)
		}
	}
	return v
}

// readRecords splits data into records of cells: csv, tsv (also scsv,
// psv), txt (one line, one cell), json/multijson (one object per line,
// cells by column name).
func readRecords(data []byte, format string, cols []Column) ([][]string, error) {
	switch format {
	case "csv", "tsv", "tsve", "scsv", "psv":
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		r.Comma = map[string]rune{"csv": ',', "tsv": '\t', "tsve": '\t', "scsv": ';', "psv": '|'}[format]
		var out [][]string
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			if err != nil {
				return nil, err
			}
			out = append(out, rec)
		}
	case "txt", "raw":
		var out [][]string
		for _, l := range strings.Split(strings.TrimRight(string(data), "\r\n"), "\n") {
			out = append(out, []string{strings.TrimRight(l, "\r")})
		}
		return out, nil
	case "json", "multijson":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var out [][]string
		for {
			var obj map[string]any
			if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
				return out, nil
			} else if err != nil {
				return nil, fmt.Errorf("record %d: %v", len(out)+1, err)
			}
			rec := make([]string, len(cols))
			for i, col := range cols {
				switch x := obj[col.Name].(type) {
				case nil:
				case string:
					rec[i] = x
				default:
					b, _ := json.Marshal(x)
					rec[i] = string(b)
				}
			}
			out = append(out, rec)
		}
	}
	return nil, fmt.Errorf("format %q is not supported (csv, tsv, scsv, psv, txt, json, multijson)", format)
}

// cellConst converts a text cell to a constant of type t; a cell that does
// not parse is null, as Kusto ingests it.
func cellConst(s string, t Type) Scalar {
	switch t {
	case TString:
		return constString(s)
	case TGuid:
		return &Const{T: TGuid, V: strings.ToLower(strings.TrimSpace(s))}
	case TDynamic:
		if s == "" {
			return Null(TDynamic)
		}
		if json.Valid([]byte(s)) {
			return &Const{T: TDynamic, V: Dynamic(s)}
		}
		b, _ := json.Marshal(s)
		return &Const{T: TDynamic, V: Dynamic(b)}
	}
	s = strings.TrimSpace(s)
	switch t {
	case TInt, TLong:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return &Const{T: t, V: n}
		}
	case TReal:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return &Const{T: t, V: f}
		}
	case TBool:
		switch strings.ToLower(s) {
		case "true", "1":
			return constBool(true)
		case "false", "0":
			return constBool(false)
		}
	case TDateTime:
		if tm, ok := ParseDatetime(s); ok {
			return constTime(tm)
		}
	case TTimeSpan:
		if d, ok := ParseTimespan(s); ok {
			return constSpan(d)
		}
	}
	return Null(t)
}

// checkWatchlist is _GetWatchlist('alias'): Sentinel's columns
// (_DTItemId, LastUpdatedTimeUTC, SearchKey, WatchlistItem) then one string
// column per CSV column.
func (c *checker) checkWatchlist(x *CallExpr) Rel {
	lit, ok := x.Args[0].(*BasicLit)
	if len(x.Args) != 1 || !ok || lit.Kind != LitString {
		c.errorf(x.Pos(), "_GetWatchlist() takes the watchlist alias as a constant string")
		return nil
	}
	src := c.sources(x.Pos(), "_GetWatchlist")
	if src == nil {
		return nil
	}
	w, err := src.Watchlist(lit.Value)
	if err != nil {
		c.errorf(x.Args[0].Pos(), "_GetWatchlist: %v", err)
		return nil
	}
	v := &Values{Cols: []Column{{"_DTItemId", TString}, {"LastUpdatedTimeUTC", TDateTime}, {"SearchKey", TString}, {"WatchlistItem", TDynamic}}}
	taken := map[string]bool{}
	for _, col := range v.Cols {
		taken[col.Name] = true
	}
	key := -1
	for i, h := range w.Header {
		v.Cols = append(v.Cols, Column{Name: uniqueName(h, taken), Type: TString})
		taken[h] = true
		if h == w.SearchKey {
			key = i
		}
	}
	if len(w.Rows) > MaxExternalRows {
		c.errorf(x.Pos(), "watchlist %s has more than %d rows", w.Alias, MaxExternalRows)
		return nil
	}
	for n, rec := range w.Rows {
		item := map[string]string{}
		cells := make([]Scalar, len(w.Header))
		for i, h := range w.Header {
			cell := ""
			if i < len(rec) {
				cell = rec[i]
			}
			item[h] = cell
			cells[i] = constString(cell)
		}
		searchKey := ""
		if key >= 0 && key < len(rec) {
			searchKey = rec[key]
		}
		b, _ := json.Marshal(item)
		row := []Scalar{constString(fmt.Sprintf("%s-%d", w.Alias, n+1)), constTime(w.Updated), constString(searchKey), &Const{T: TDynamic, V: Dynamic(b)}}
		v.Rows = append(v.Rows, append(row, cells...))
	}
	return v
}
