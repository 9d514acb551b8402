package bookmark

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bookmarks.json")
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Get("Security"); ok {
		t.Fatal("empty store has a position")
	}
	s.Advance("Security", 1938471)
	s.Advance("Microsoft-Windows-AppLocker/EXE and DLL", 12)
	if s.Advance("Security", 1938000) {
		t.Error("position moved back")
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	again, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Positions(), s.Positions()) {
		t.Errorf("reloaded %v, want %v", again.Positions(), s.Positions())
	}
	if left, _ := filepath.Glob(path + ".tmp*"); len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
}

func TestLoadCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bookmarks.json")
	os.WriteFile(path, []byte(`[{"channel":"Security","recordId":`), 0o600)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "delete the file") {
		t.Errorf("corrupt file: err = %v, want advice", err)
	}
}

func TestXMLRoundTrip(t *testing.T) {
	p := Position{Channel: "Microsoft-Windows-AppLocker/EXE and DLL", RecordID: 42}
	got, err := ParseXML(XML(p))
	if err != nil || len(got) != 1 || got[0] != p {
		t.Fatalf("ParseXML(XML(%v)) = %v, %v", p, got, err)
	}
	// A bookmark as Windows renders one for a subscription to two channels.
	win := "<BookmarkList>\r\n  <Bookmark Channel='Security' RecordId='1938471' IsCurrent='true'/>\r\n  <Bookmark Channel='System' RecordId='88'/>\r\n</BookmarkList>"
	got, err = ParseXML(win)
	want := []Position{{"Security", 1938471}, {"System", 88}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ParseXML(windows) = %v, %v; want %v", got, err, want)
	}
	if _, err := ParseXML("<BookmarkList><Bookmark RecordId='1'/></BookmarkList>"); err == nil {
		t.Error("bookmark without channel accepted")
	}
}
