package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wsec/internal/auth"
	"wsec/internal/event"
	"wsec/internal/protocol"
	"wsec/internal/source/synthetic"
)

// TestImportKeepsTimesOutsideNanoseconds: events whose TimeCreated int64
// Unix nanoseconds cannot hold go through import, the binary batch on the
// wire, the store and the query API with the date Windows wrote (issue
// 9.2: FILETIME 0 was stored as 2185-07-21, year 3000 as 1830-11-23,
// 0001-01-01 as 1754-08-30).
func TestImportKeepsTimesOutsideNanoseconds(t *testing.T) {
	s := startServer(t)
	s.env(t)
	dir := t.TempDir()
	want := []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2019, 3, 19, 23, 40, 1, 123456000, time.UTC),
		time.Date(3000, 1, 1, 12, 30, 0, 1234000, time.UTC),
	}
	g := synthetic.New(synthetic.Options{Seed: 3})
	var buf []byte
	for i, tc := range want {
		e := new(event.Event)
		g.Event(uint64(i), e)
		e.System.Channel, e.System.EventRecordID, e.System.TimeCreated = "Security", uint64(100+i), tc
		buf = append(e.AppendXML(buf), "\r\n"...)
	}
	if err := os.WriteFile(filepath.Join(dir, "times.xml"), buf, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCmd(t, "import", "--state", filepath.Join(dir, "st.json"), dir); code != 0 {
		t.Fatalf("import: %s", errs)
	}
	rows := s.query(t, "SecurityEvent | project EventRecordID, TimeGenerated | order by EventRecordID asc")
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %v", len(rows), len(want), rows)
	}
	for i, row := range rows {
		txt, _ := row[1].(string)
		got, err := time.Parse(time.RFC3339Nano, txt)
		if err != nil || !got.Equal(want[i]) {
			t.Errorf("event %v: TimeGenerated %v, Windows wrote %s", row[0], row[1], want[i].Format(time.RFC3339Nano))
		}
	}
	code, out, errs := runCmd(t, "query", "SecurityEvent | where TimeGenerated < datetime(1700-01-01) | count")
	if code != 0 || !strings.Contains(out, "\n2\n") {
		t.Errorf("KQL over the old times: exit %d: %q %s", code, out, errs)
	}
}

// TestIngestRefusesEventWithoutSystem: a native batch line `null` is
// refused with its index and a reason in the answer, and the rest of the
// batch is stored (issue 9.3).
func TestIngestRefusesEventWithoutSystem(t *testing.T) {
	s := startServer(t)
	e := new(event.Event)
	synthetic.New(synthetic.Options{Seed: 3}).Event(1, e)
	e.System.Channel = "Security"
	post := func(seq string, lines ...[]byte) protocol.BatchResult {
		t.Helper()
		body := append(bytes.Join(lines, []byte("\n")), '\n')
		req, err := http.NewRequest(http.MethodPost, s.url+strings.Replace(protocol.PathEvents, "{id}", s.ws.ID, 1), bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", protocol.ContentTypeNDJSON)
		req.Header.Set(protocol.HeaderSender, "edge-test")
		req.Header.Set(protocol.HeaderSeq, seq)
		if err := auth.Sign(req, s.ws.ID, s.ws.PrimaryKey); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var res protocol.BatchResult
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &res) != nil {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		return res
	}
	res := post("1", []byte("null"), e.AppendJSON(nil), []byte(`{"EventData":{"TargetUserName":"alice"}}`))
	if res.Accepted != 3 || res.Stored != 1 || len(res.Rejected) != 2 || res.Rejected[0].Index != 0 || res.Rejected[1].Index != 2 ||
		!strings.Contains(res.Rejected[0].Reason, "no System") {
		t.Fatalf("answer %+v", res)
	}
	res = post("2", []byte(`{"EventData":{"TargetUserName":"bob"}}`))
	if res.Stored != 0 || res.Duplicates != 0 || len(res.Rejected) != 1 {
		t.Errorf("a second event without System: %+v", res)
	}
	if rows := s.query(t, "union SecurityEvent, WindowsEvent | count"); rows[0][0] != float64(1) {
		t.Errorf("%v rows stored, want 1", rows[0][0])
	}
}
