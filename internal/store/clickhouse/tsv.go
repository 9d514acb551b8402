package clickhouse

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ClickHouse's TabSeparated format: one row a line, cells separated by tabs,
// \N for null, and backslash escapes in text.

var tsvEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`, "\x00", `\0`)

// appendTSVString appends s escaped as a TabSeparated text cell.
func appendTSVString(b []byte, s string) []byte {
	if strings.ContainsAny(s, "\\\t\n\r\x00") {
		return append(b, tsvEscaper.Replace(s)...)
	}
	return append(b, s...)
}

func appendTSVFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// unescapeTSV reads a TabSeparated text cell.
func unescapeTSV(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// tsvReader reads TabSeparatedWithNamesAndTypes output.
type tsvReader struct {
	r     *bufio.Reader
	names []string
	types []string
}

func newTSVReader(r io.Reader) (*tsvReader, error) {
	t := &tsvReader{r: bufio.NewReaderSize(r, 1<<16)}
	names, err := t.line()
	if err != nil {
		return nil, fmt.Errorf("read result header: %w", err)
	}
	types, err := t.line()
	if err != nil {
		return nil, fmt.Errorf("read result header: %w", err)
	}
	for i := range names {
		names[i] = unescapeTSV(names[i])
	}
	t.names, t.types = names, types
	return t, nil
}

// line returns the raw cells of the next line, or io.EOF.
func (t *tsvReader) line() ([]string, error) {
	s, err := t.r.ReadString('\n')
	if err == io.EOF && s != "" {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\t"), nil
}

// cell converts a raw cell of ClickHouse type typ to a Go value: nil,
// int64, float64 or string. Results carry KQL values in these (see
// store.Normalize).
func cell(raw, typ string) (any, error) {
	if raw == `\N` {
		return nil, nil
	}
	typ = strings.TrimSuffix(strings.TrimPrefix(typ, "Nullable("), ")")
	switch {
	case strings.HasPrefix(typ, "Int"), strings.HasPrefix(typ, "UInt"):
		if strings.HasPrefix(typ, "UInt64") {
			u, err := strconv.ParseUint(raw, 10, 64)
			return int64(u), err
		}
		return strconv.ParseInt(raw, 10, 64)
	case strings.HasPrefix(typ, "Float"):
		switch raw {
		case "nan", "-nan":
			return math.NaN(), nil
		case "inf", "+inf":
			return math.Inf(1), nil
		case "-inf":
			return math.Inf(-1), nil
		}
		return strconv.ParseFloat(raw, 64)
	}
	return unescapeTSV(raw), nil
}
