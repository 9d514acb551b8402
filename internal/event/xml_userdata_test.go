package event_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"path/filepath"
	"reflect"
	"testing"

	"wsec/internal/event"
	"wsec/internal/eventxml"
	"wsec/internal/evtx"
)

// TestXMLUserDataRoundTrip renders the real events of the evtx fixtures
// (CAPI2 keeps its data in attributes of nested UserData elements) as XML
// and checks that encoding/xml accepts every document and that the event
// XML reader flattens it back to the same fields.
func TestXMLUserDataRoundTrip(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "evtx", "testdata", "*.evtx"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no evtx fixtures: %v", err)
	}
	attrs := 0
	for _, path := range files {
		f, err := evtx.Open(path, evtx.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Events(context.Background(), func(e *event.Event) error {
			b := e.AppendXML(nil)
			d := xml.NewDecoder(bytes.NewReader(b))
			for {
				_, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%s record %d: not well-formed: %v\n%s", filepath.Base(path), e.System.EventRecordID, err, b)
				}
			}
			got, err := eventxml.ParseEvent(b)
			if err != nil {
				t.Fatalf("%s record %d: %v\n%s", filepath.Base(path), e.System.EventRecordID, err, b)
			}
			if got.UserDataName != e.UserDataName || !reflect.DeepEqual(got.Data, e.Data) {
				t.Fatalf("%s record %d: fields differ after XML:\n got %s %q\nwant %s %q\n%s", filepath.Base(path),
					e.System.EventRecordID, got.UserDataName, got.Data, e.UserDataName, e.Data, b)
			}
			for _, fl := range e.Data {
				if bytes.Contains([]byte(fl.Name), []byte("@")) {
					attrs++
				}
			}
			return nil
		})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if attrs == 0 {
		t.Error("no attribute fields in the fixtures: the test checks nothing it was written for")
	}
}

// TestXMLUserDataShapes covers orders the fixtures do not: repeated
// elements, text beside attributes, wrapper attributes.
func TestXMLUserDataShapes(t *testing.T) {
	for _, c := range []struct {
		fields []event.Field
		want   string
	}{
		{[]event.Field{{Name: "A", Value: "1"}, {Name: "A", Value: "2"}}, `<W><A>1</A><A>2</A></W>`},
		{[]event.Field{{Name: "P/A", Value: "1"}, {Name: "P/B", Value: "2"}}, `<W><P><A>1</A><B>2</B></P></W>`},
		{[]event.Field{{Name: "@v", Value: "1"}, {Name: "R/@a", Value: "x"}, {Name: "R/@b", Value: "y"}, {Name: "R/@a", Value: "z"}},
			`<W v="1"><R a="x" b="y"></R><R a="z"></R></W>`},
		{[]event.Field{{Name: "R/@a", Value: "x"}, {Name: "R", Value: "t"}, {Name: "R/@a", Value: "<"}},
			`<W><R a="x">t</R><R a="&lt;"></R></W>`},
		{[]event.Field{{Name: "P/C", Value: "1"}, {Name: "P/@late", Value: "2"}, {Name: "@late", Value: "3"}},
			`<W><P><C>1</C></P><P late="2"></P><late>3</late></W>`},
	} {
		e := event.Event{Section: event.SectionUserData, UserDataName: "W", Data: c.fields}
		b := e.AppendXML(nil)
		i, j := bytes.Index(b, []byte("<UserData>")), bytes.Index(b, []byte("</UserData>"))
		if got := string(b[i+len("<UserData>") : j]); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.fields, got, c.want)
		}
	}
}
