package workbook

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsec/internal/kql"
	"wsec/internal/schema"
)

const ws = "7e1b3e1c-9a8f-4a5e-8a55-1f2c3d4e5f60"

func open(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, func() time.Time { return time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

// TestOverviewTilesCheck: every tile of the built-in overview is a query
// the workspace's KQL compiler accepts against the real schema, with the
// parameters as the UI fills them when unset.
func TestOverviewTilesCheck(t *testing.T) {
	wb := Overview()
	if wb.ID != OverviewID || len(wb.Tiles) < 8 || check(wb) != nil {
		t.Fatalf("overview: %+v (check %v)", wb, check(wb))
	}
	sc := schema.New()
	cat := kql.NewCatalog(sc, sc.SecurityAlert, sc.SecurityIncident, sc.Anomalies) // the store lists these as well
	for _, tile := range wb.Tiles {
		text := strings.NewReplacer("{Computer}", `""`, "{Account}", `""`, "{TimeRange}", `""`).Replace(tile.Query)
		q, err := kql.Parse(text)
		if err == nil {
			_, err = kql.Check(q, cat)
		}
		if err != nil {
			t.Errorf("tile %q: %v\n%s", tile.Title, err, text)
		}
	}
}

func TestPutGetListDelete(t *testing.T) {
	s, dir := open(t)
	list, err := s.List(ws)
	if err != nil || len(list) != 1 || list[0].ID != OverviewID || !list[0].BuiltIn {
		t.Fatalf("a new workspace lists the built-in overview only: %+v %v", list, err)
	}
	wb := Workbook{ID: "logons", Name: "Logons", Tiles: []Tile{{Title: "Failures", Query: "SecurityEvent | where EventID == 4625 | count"}}}
	saved, err := s.Put(ws, wb, "alice")
	if err != nil || saved.UpdatedBy != "alice" || saved.Updated.IsZero() {
		t.Fatalf("put: %+v %v", saved, err)
	}
	// A second store on the same directory (a restart) reads it back.
	s2, _ := Open(dir, nil)
	got, err := s2.Get(ws, "logons")
	if err != nil || got.Name != "Logons" || len(got.Tiles) != 1 || got.Tiles[0].Query != wb.Tiles[0].Query {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
	if list, _ := s2.List(ws); len(list) != 2 || list[0].ID != OverviewID || list[1].Tiles != 1 {
		t.Errorf("list: %+v", list)
	}
	if err := s2.Delete(ws, "logons"); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Get(ws, "logons"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted workbook: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// TestOverviewSavedAndRestored: the overview can be customised and saved;
// deleting the saved one brings the built-in one back.
func TestOverviewSavedAndRestored(t *testing.T) {
	s, _ := open(t)
	ov := Overview()
	ov.Tiles = append(ov.Tiles, Tile{Title: "Mine", Query: "Heartbeat | count"})
	if _, err := s.Put(ws, ov, "bob"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ws, OverviewID)
	if got.BuiltIn || len(got.Tiles) != len(Overview().Tiles)+1 {
		t.Fatalf("saved overview: builtIn=%v tiles=%d", got.BuiltIn, len(got.Tiles))
	}
	if err := s.Delete(ws, OverviewID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ws, OverviewID); !got.BuiltIn {
		t.Errorf("deleting the saved overview did not restore the built-in one")
	}
	if err := s.Delete(ws, OverviewID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting the built-in overview: %v", err)
	}
}

func TestInvalidRefusedAndNothingChanged(t *testing.T) {
	s, dir := open(t)
	long := strings.Repeat("x", maxQueryBytes+1)
	for name, wb := range map[string]Workbook{
		"bad id":     {ID: "Bad ID", Name: "n"},
		"no name":    {ID: "a", Name: ""},
		"no query":   {ID: "a", Name: "n", Tiles: []Tile{{Title: "t"}}},
		"long query": {ID: "a", Name: "n", Tiles: []Tile{{Title: "t", Query: long}}},
		"visual":     {ID: "a", Name: "n", Tiles: []Tile{{Title: "t", Query: "T", Visual: "3d"}}},
		"many tiles": {ID: "a", Name: "n", Tiles: make([]Tile, maxTiles+1)},
	} {
		if _, err := s.Put(ws, wb, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := s.Put("../etc", Workbook{ID: "a", Name: "n"}, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("a workspace that is not a GUID must not name a file: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused workbook wrote %v", entries)
	}
}

func TestDamagedFileSaysWhat(t *testing.T) {
	s, dir := open(t)
	if err := os.WriteFile(filepath.Join(dir, ws+".json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(ws); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged file: %v", err)
	}
}

// allow is a Verifier that signs every request for ws.
type allow struct{}

func (allow) Verify(*http.Request, int64, string) (string, error) { return ws, nil }

func TestHTTP(t *testing.T) {
	s, _ := open(t)
	mux := http.NewServeMux()
	Routes{Store: s, Verifier: allow{}, User: func(*http.Request) string { return "carol" }}.Register(mux)
	do := func(method, path, body string) (int, string) {
		r := httptest.NewRequest(method, "/v1/workspaces/"+ws+"/workbooks"+path, strings.NewReader(body))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	if st, b := do("PUT", "/triage", `{"name":"Triage","tiles":[{"title":"4625","query":"SecurityEvent | where EventID == 4625","visual":"table"}]}`); st != 200 || !strings.Contains(b, `"updatedBy":"carol"`) || !strings.Contains(b, `"id":"triage"`) {
		t.Fatalf("put: %d %s", st, b)
	}
	if st, b := do("GET", "", ""); st != 200 || !strings.Contains(b, `"id":"overview"`) || !strings.Contains(b, `"id":"triage"`) {
		t.Errorf("list: %d %s", st, b)
	}
	if st, b := do("PUT", "/x", `{"name":"X","tiels":[]}`); st != 400 || !strings.Contains(b, "tiels") {
		t.Errorf("misspelt field: %d %s", st, b)
	}
	if st, _ := do("GET", "/nope", ""); st != 404 {
		t.Errorf("missing: %d", st)
	}
	if st, _ := do("DELETE", "/triage", ""); st != 204 {
		t.Errorf("delete: %d", st)
	}
}
