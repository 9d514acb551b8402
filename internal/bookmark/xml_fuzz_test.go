package bookmark

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseXML: a bookmark's XML comes from the Windows event log service
// (EvtRender) and from files on disk. Any text gives positions or an error,
// never a panic; every position names a channel; and a position rendered
// by XML reads back as itself.
func FuzzParseXML(f *testing.F) {
	for _, s := range []string{
		XML(Position{Channel: "Security", RecordID: 31234}),
		XML(Position{Channel: "Microsoft-Windows-AppLocker/EXE and DLL", RecordID: 1}),
		"<BookmarkList>\r\n  <Bookmark Channel='Security' RecordId='7' IsCurrent='true'/>\r\n  <Bookmark Channel='System' RecordId='18446744073709551615'/>\r\n</BookmarkList>",
		"<BookmarkList><Bookmark RecordId='7'/></BookmarkList>",
		"<BookmarkList><Bookmark Channel='Security' RecordId='-1'/></BookmarkList>",
		"<BookmarkList><Bookmark Channel='a&amp;b&#xD;' RecordId='0x10'/>",
		"<BookmarkList/>",
		"",
		"<",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParseXML(s)
		if err != nil {
			if ps != nil {
				t.Fatalf("ParseXML(%q) failed (%v) but returned %v", s, err, ps)
			}
			return
		}
		for _, p := range ps {
			if p.Channel == "" {
				t.Fatalf("ParseXML(%q): a position without a channel: %v", s, ps)
			}
			if !xmlText(p.Channel) {
				continue // XML cannot carry it; XML() replaces it
			}
			back, err := ParseXML(XML(p))
			if err != nil || !reflect.DeepEqual(back, []Position{p}) {
				t.Fatalf("position %+v rendered as %q reads back as %v, %v", p, XML(p), back, err)
			}
		}
	})
}

// xmlText reports whether s holds only characters XML 1.0 allows.
func xmlText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return !(r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF)
	})
}
