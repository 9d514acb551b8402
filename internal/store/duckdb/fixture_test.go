package duckdb

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"wsec/internal/event"
)

// fixtureEvent is the JSON line format of testdata/*.jsonl.gz, written by
// testdata/evtx2jsonl.py from evtxexport's XML of real EVTX files.
type fixtureEvent struct {
	System struct {
		Provider, ProviderGUID, EventSource string
		EventID                             uint16
		Version, Level, Opcode              uint8
		Task                                uint16
		Keywords, TimeCreated, ActivityID   string
		EventRecordID                       uint64
		ProcessID, ThreadID                 uint32
		Channel, Computer, UserID           string
	}
	Section                  string
	UserDataName, UserDataNS string
	Data                     [][2]string
	Binary                   string
}

func (f *fixtureEvent) event() (*event.Event, error) {
	s := f.System
	tc, err := time.Parse(time.RFC3339Nano, s.TimeCreated)
	if err != nil {
		return nil, fmt.Errorf("parse TimeCreated %q: %w", s.TimeCreated, err)
	}
	kw, err := strconv.ParseUint(strings.TrimPrefix(s.Keywords, "0x"), 16, 64)
	if err != nil {
		return nil, fmt.Errorf("parse Keywords %q: %w", s.Keywords, err)
	}
	e := &event.Event{
		System: event.System{
			Provider: s.Provider, ProviderGUID: s.ProviderGUID, EventSource: s.EventSource,
			EventID: s.EventID, Version: s.Version, Level: s.Level, Task: s.Task, Opcode: s.Opcode,
			Keywords: kw, TimeCreated: tc.UTC(), EventRecordID: s.EventRecordID, ActivityID: s.ActivityID,
			ProcessID: s.ProcessID, ThreadID: s.ThreadID, Channel: s.Channel, Computer: s.Computer, UserID: s.UserID,
		},
		UserDataName: f.UserDataName, UserDataNS: f.UserDataNS, Binary: f.Binary,
	}
	switch f.Section {
	case "EventData":
		e.Section = event.SectionEventData
	case "UserData":
		e.Section = event.SectionUserData
	}
	for _, d := range f.Data {
		e.Data = append(e.Data, event.Field{Name: d[0], Value: d[1]})
	}
	return e, nil
}

// loadFixture reads testdata/<name>.
func loadFixture(tb testing.TB, name string) []*event.Event {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatalf("open fixture: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatalf("gunzip fixture %s: %v", name, err)
	}
	var out []*event.Event
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var fe fixtureEvent
		if err := json.Unmarshal(sc.Bytes(), &fe); err != nil {
			tb.Fatalf("fixture %s line %d: %v", name, line, err)
		}
		e, err := fe.event()
		if err != nil {
			tb.Fatalf("fixture %s line %d: %v", name, line, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("read fixture %s: %v", name, err)
	}
	return out
}

// securityEvents returns the 739 real Security events.
func securityEvents(tb testing.TB) []*event.Event {
	return loadFixture(tb, "security-velocidex.jsonl.gz")
}

// sysmonEvents returns 60 real Sysmon events.
func sysmonEvents(tb testing.TB) []*event.Event {
	return loadFixture(tb, "sysmon-omerbenamram.jsonl.gz")
}

// synth returns n distinct events cycling through base: each copy gets its
// own EventRecordID and a TimeCreated shifted by whole seconds, so identity
// keys never collide while field sets stay real.
func synth(base []*event.Event, n int, startRecord uint64) []*event.Event {
	out := make([]*event.Event, n)
	for i := range out {
		src := base[i%len(base)]
		e := *src
		e.System.EventRecordID = startRecord + uint64(i)
		e.System.TimeCreated = src.System.TimeCreated.Add(time.Duration(i/len(base)) * time.Second)
		out[i] = &e
	}
	return out
}
