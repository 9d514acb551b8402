package clickhouse

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
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
	return s.readTSV(rc)
}

// external is a table sent with a query (ClickHouse's external data): the
// query reads it by name.
type external struct {
	name      string
	structure string // "col Type, ..."
	rowBinary []byte // its rows in RowBinary
}

// selectExternal is selectTSV with table ext sent along, so a query can
// carry a large set (IN ext) without the server parsing it as SQL text.
func (s *server) selectExternal(ctx context.Context, db, query string, ext external) (*tsvResult, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile(ext.name, ext.name)
	if err == nil {
		_, err = fw.Write(ext.rowBinary)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return nil, err
	}
	settings := url.Values{ext.name + "_structure": {ext.structure}, ext.name + "_format": {"RowBinary"}}
	rc, err := s.doType(ctx, db, query+"\nFORMAT TabSeparatedWithNamesAndTypes", &body, mw.FormDataContentType(), settings)
	if err != nil {
		return nil, err
	}
	return s.readTSV(rc)
}

// readTSV reads a TabSeparatedWithNamesAndTypes result and closes rc.
func (s *server) readTSV(rc io.ReadCloser) (*tsvResult, error) {
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
