package watchlist

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzAdd: a watchlist is any user's CSV upload. It is stored or refused
// with an error, never a panic; a stored one reads back as the rows it was
// stored with, every row as wide as the header, the search key a column.
func FuzzAdd(f *testing.F) {
	for _, s := range []struct{ csv, key string }{
		{"\xef\xbb\xbfAccount,Role\n\"CONTOSO\\bob\",CFO\nCONTOSO\\carol,\"CEO, acting\"\n", "Account"},
		{"IP\r\n10.0.0.1\r\n", "IP"},
		{"a,b\n1\n", "a"},
		{"a,a\n1,2\n", "a"},
		{"a,\n1,2\n", "a"},
		{"", "a"},
		{"a\n\"unterminated\n", "a"},
		{"x,y\n1,2\n", "z"},
		{"k\n\"multi\nline\"\n", "k"},
	} {
		f.Add([]byte(s.csv), s.key)
	}
	s := Open(f.TempDir())
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		info, err := s.Add("ws-1", "fuzz", key, bytes.NewReader(data), t0)
		if err != nil {
			return
		}
		w, err := s.Get("ws-1", "fuzz")
		if err != nil {
			t.Fatalf("stored %q but cannot read it back: %v", data, err)
		}
		if !reflect.DeepEqual(w.Header, info.Columns) || len(w.Rows) != info.Rows || w.SearchKey != key {
			t.Fatalf("stored %+v, read back header %q, %d rows, key %q", info, w.Header, len(w.Rows), w.SearchKey)
		}
		for i, r := range w.Rows {
			if len(r) != len(w.Header) {
				t.Fatalf("row %d has %d fields, header %d", i, len(r), len(w.Header))
			}
		}
	})
}
