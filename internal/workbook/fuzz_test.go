package workbook

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// FuzzPut: a workbook body and its ID come from any editor. It is stored
// or refused as invalid (never a panic, never another error), and a stored
// one reads back as it was answered.
func FuzzPut(f *testing.F) {
	for _, s := range []struct{ id, body string }{
		{"failed-logons", `{"name":"Failed logons","tiles":[{"title":"By account","query":"SecurityEvent | where EventID == 4625 | summarize count() by Account","visual":"barchart","wide":true}]}`},
		{"overview", `{"name":"Mine","description":"d","tiles":[]}`},
		{"x", `{"name":"n","tiles":[{"title":"t","query":"q","visual":"sankey"}]}`},
		{"x", `{"name":"n","tiles":[{"title":"t","query":""}]}`},
		{"x", `{"name":"n","tilez":[]}`},
		{"Upper", `{"name":"n"}`},
		{"x", `{"name":"\ud800","tiles":null}`},
		{"x", `{"name":"n"} {}`},
		{"x", `[]`},
	} {
		f.Add(s.id, []byte(s.body))
	}
	s, err := Open(f.TempDir(), func() time.Time { return time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC) })
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id string, body []byte) {
		wb, err := decode(body)
		if err == nil {
			wb.ID = id
			wb, err = s.Put(ws, wb, "fuzz@contoso.com")
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("workbook %q %q: error %v, want one wrapping ErrInvalid", id, body, err)
			}
			return
		}
		got, err := s.Get(ws, id)
		if err != nil || !reflect.DeepEqual(got, wb) {
			t.Fatalf("stored %+v, read back %+v, %v", wb, got, err)
		}
	})
}
