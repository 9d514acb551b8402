package clickhouse

import (
	"context"
	"fmt"
	"io"
	"net/url"
)

// tsvResult is a query's result: column names, ClickHouse types, rows of
// converted cells (see cell).
type tsvResult struct {
	names, types []string
	rows         [][]any
}

// selectTSV runs a SELECT and reads its TabSeparatedWithNamesAndTypes
// output (the one text format that keeps NaN and infinities).
func (s *server) selectTSV(ctx context.Context, db, query string, settings url.Values) (*tsvResult, error) {
	rc, err := s.do(ctx, db, query+"\nFORMAT TabSeparatedWithNamesAndTypes", nil, settings)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	t, err := newTSVReader(rc)
	if err != nil {
		return nil, fmt.Errorf("clickhouse %s: %w", s.base, err)
	}
	out := &tsvResult{names: t.names, types: t.types}
	for {
		raw, err := t.line()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("clickhouse %s: read result: %w", s.base, err)
		}
		if len(raw) != len(t.types) {
			return nil, fmt.Errorf("clickhouse %s: result row of %d cells, %d columns", s.base, len(raw), len(t.types))
		}
		row := make([]any, len(raw))
		for i, r := range raw {
			if row[i], err = cell(r, t.types[i]); err != nil {
				return nil, fmt.Errorf("clickhouse %s: column %s: %w", s.base, t.names[i], err)
			}
		}
		out.rows = append(out.rows, row)
	}
}
