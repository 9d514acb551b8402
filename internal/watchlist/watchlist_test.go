package watchlist

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 9, 8, 0, 0, 0, time.UTC)

func TestAddGetListDelete(t *testing.T) {
	s := Open(t.TempDir())
	csvText := "\xef\xbb\xbfAccount,Role\n\"CONTOSO\\bob\",CFO\nCONTOSO\\carol,\"CEO, acting\"\n"
	info, err := s.Add("ws-1", "vip", "Account", strings.NewReader(csvText), t0)
	if err != nil {
		t.Fatal(err)
	}
	if info.Rows != 2 || !reflect.DeepEqual(info.Columns, []string{"Account", "Role"}) {
		t.Errorf("info %+v", info)
	}
	w, err := s.Get("ws-1", "vip")
	if err != nil {
		t.Fatal(err)
	}
	if w.SearchKey != "Account" || !w.Updated.Equal(t0) || !reflect.DeepEqual(w.Rows, [][]string{{`CONTOSO\bob`, "CFO"}, {`CONTOSO\carol`, "CEO, acting"}}) {
		t.Errorf("watchlist %+v", w)
	}
	// A new upload replaces the list whole.
	if _, err := s.Add("ws-1", "vip", "Role", strings.NewReader("Role\nCTO\n"), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if w, _ := s.Get("ws-1", "vip"); len(w.Rows) != 1 || w.SearchKey != "Role" {
		t.Errorf("after replace: %+v", w)
	}
	if _, err := s.Add("ws-1", "admins", "Name", strings.NewReader("Name\nx\n"), t0); err != nil {
		t.Fatal(err)
	}
	list, err := s.List("ws-1")
	if err != nil || len(list) != 2 || list[0].Alias != "admins" || list[1].Alias != "vip" {
		t.Fatalf("list %+v %v", list, err)
	}
	if other, _ := s.List("ws-2"); len(other) != 0 {
		t.Errorf("another workspace sees %v", other)
	}
	if err := s.Delete("ws-1", "vip"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("ws-1", "vip"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if err := s.Delete("ws-1", "vip"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestAddRefusesBadInput(t *testing.T) {
	s := Open(t.TempDir())
	for _, c := range []struct{ ws, alias, key, csv, want string }{
		{"ws", "../x", "a", "a\n1\n", "invalid watchlist alias"},
		{"../ws", "x", "a", "a\n1\n", "invalid workspace ID"},
		{"ws", "x", "b", "a\n1\n", `search key "b" is not a column`},
		{"ws", "x", "a", "", "empty"},
		{"ws", "x", "a", "a,a\n1,2\n", "repeated column"},
		{"ws", "x", "a", "a\n\"unterminated\n", "watchlist CSV"},
		{"ws", "x", "a", "a\n" + strings.Repeat("x\n", MaxBytes/2+1), "larger than"},
	} {
		if _, err := s.Add(c.ws, c.alias, c.key, strings.NewReader(c.csv), t0); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s/%s: got %v, want %q", c.ws, c.alias, err, c.want)
		}
	}
	if list, _ := s.List("ws"); len(list) != 0 {
		t.Errorf("a refused upload was stored: %v", list)
	}
}

// A CSV in another encoding than UTF-8 (Latin-1 from a spreadsheet) is
// refused: its metadata, JSON, would name other columns than the CSV.
func TestAddRefusesNonUTF8(t *testing.T) {
	s := Open(t.TempDir())
	_, err := s.Add("ws-1", "vip", "Soci\xe9t\xe9", strings.NewReader("Soci\xe9t\xe9\nContoso\n"), t0)
	if err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("Latin-1 CSV: error %v, want one saying it is not UTF-8", err)
	}
}
