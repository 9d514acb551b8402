package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// The JSON form of an event, one object per event:
//
//	{"System":{"Provider":"Microsoft-Windows-Security-Auditing","EventID":4624,...,
//	  "TimeCreated":"2019-03-19T23:40:01.1234567Z","Channel":"Security","Computer":"dc1"},
//	 "EventData":{"SubjectUserSid":"S-1-5-18","#2":"unnamed value",...}}
//
// EventData (or UserData) keeps document order. An unnamed <Data> is keyed
// "#<position>" (1-based), which no XML name can collide with. Empty optional
// System strings are omitted.

// AppendJSON appends the JSON form of e to dst.
func (e *Event) AppendJSON(dst []byte) []byte {
	s := &e.System
	dst = append(dst, `{"System":{"Provider":`...)
	dst = AppendJSONString(dst, s.Provider)
	dst = appendOptString(dst, "ProviderGuid", s.ProviderGUID)
	dst = appendOptString(dst, "EventSourceName", s.EventSource)
	dst = append(dst, `,"EventID":`...)
	dst = strconv.AppendUint(dst, uint64(s.EventID), 10)
	if s.HasQualifiers {
		dst = append(dst, `,"Qualifiers":`...)
		dst = strconv.AppendUint(dst, uint64(s.Qualifiers), 10)
	}
	dst = appendUintField(dst, "Version", uint64(s.Version))
	dst = appendUintField(dst, "Level", uint64(s.Level))
	dst = appendUintField(dst, "Task", uint64(s.Task))
	dst = appendUintField(dst, "Opcode", uint64(s.Opcode))
	dst = append(dst, `,"Keywords":"0x`...)
	dst = strconv.AppendUint(dst, s.Keywords, 16)
	dst = append(dst, `","TimeCreated":"`...)
	dst = s.TimeCreated.UTC().AppendFormat(dst, TimeLayout)
	dst = append(dst, '"')
	dst = appendUintField(dst, "EventRecordID", s.EventRecordID)
	dst = appendOptString(dst, "ActivityID", s.ActivityID)
	dst = appendOptString(dst, "RelatedActivityID", s.RelatedActivityID)
	dst = appendUintField(dst, "ProcessID", uint64(s.ProcessID))
	dst = appendUintField(dst, "ThreadID", uint64(s.ThreadID))
	dst = append(dst, `,"Channel":`...)
	dst = AppendJSONString(dst, s.Channel)
	dst = append(dst, `,"Computer":`...)
	dst = AppendJSONString(dst, s.Computer)
	dst = appendOptString(dst, "UserID", s.UserID)
	dst = append(dst, '}')

	switch e.Section {
	case SectionEventData:
		dst = append(dst, `,"EventData":`...)
		dst = appendFields(dst, e.Data)
	case SectionUserData:
		dst = append(dst, `,"UserDataName":`...)
		dst = AppendJSONString(dst, e.UserDataName)
		dst = appendOptString(dst, "UserDataNS", e.UserDataNS)
		dst = append(dst, `,"UserData":`...)
		dst = appendFields(dst, e.Data)
	}
	dst = appendOptString(dst, "Binary", e.Binary)
	if r := e.Rendering; r != nil {
		dst = append(dst, `,"RenderingInfo":{"Culture":`...)
		dst = AppendJSONString(dst, r.Culture)
		dst = appendOptString(dst, "Message", r.Message)
		dst = appendOptString(dst, "Level", r.Level)
		dst = appendOptString(dst, "Task", r.Task)
		dst = appendOptString(dst, "Opcode", r.Opcode)
		dst = appendOptString(dst, "Channel", r.Channel)
		dst = appendOptString(dst, "Provider", r.Provider)
		if len(r.Keywords) > 0 {
			dst = append(dst, `,"Keywords":[`...)
			for i, k := range r.Keywords {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = AppendJSONString(dst, k)
			}
			dst = append(dst, ']')
		}
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// MarshalJSON implements json.Marshaler with the form AppendJSON writes.
func (e *Event) MarshalJSON() ([]byte, error) { return e.AppendJSON(nil), nil }

func appendFields(dst []byte, fs []Field) []byte {
	dst = append(dst, '{')
	for i, f := range fs {
		if i > 0 {
			dst = append(dst, ',')
		}
		if f.Name == "" {
			dst = append(dst, `"#`...)
			dst = strconv.AppendInt(dst, int64(i+1), 10)
			dst = append(dst, '"')
		} else {
			dst = AppendJSONString(dst, f.Name)
		}
		dst = append(dst, ':')
		dst = AppendJSONString(dst, f.Value)
	}
	return append(dst, '}')
}

func appendUintField(dst []byte, name string, v uint64) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return strconv.AppendUint(dst, v, 10)
}

func appendOptString(dst []byte, name, v string) []byte {
	if v == "" {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return AppendJSONString(dst, v)
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD
// so the output is always valid JSON.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

type jsonSystem struct {
	Provider          string
	ProviderGuid      string
	EventSourceName   string
	EventID           uint16
	Qualifiers        *uint16
	Version           uint8
	Level             uint8
	Task              uint16
	Opcode            uint8
	Keywords          string
	TimeCreated       string
	EventRecordID     uint64
	ActivityID        string
	RelatedActivityID string
	ProcessID         uint32
	ThreadID          uint32
	Channel           string
	Computer          string
	UserID            string
}

type jsonEvent struct {
	System        jsonSystem
	EventData     json.RawMessage
	UserData      json.RawMessage
	UserDataName  string
	UserDataNS    string
	Binary        string
	RenderingInfo *Rendering
}

// UnmarshalJSON reads the form AppendJSON writes.
func (e *Event) UnmarshalJSON(b []byte) error {
	var j jsonEvent
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("decode event JSON: %w", err)
	}
	s := j.System
	*e = Event{System: System{
		Provider: s.Provider, ProviderGUID: s.ProviderGuid, EventSource: s.EventSourceName,
		EventID: s.EventID, Version: s.Version, Level: s.Level, Task: s.Task, Opcode: s.Opcode,
		EventRecordID: s.EventRecordID, ActivityID: s.ActivityID, RelatedActivityID: s.RelatedActivityID,
		ProcessID: s.ProcessID, ThreadID: s.ThreadID, Channel: s.Channel, Computer: s.Computer, UserID: s.UserID,
	}}
	if s.Qualifiers != nil {
		e.System.Qualifiers, e.System.HasQualifiers = *s.Qualifiers, true
	}
	if s.Keywords != "" {
		k, err := strconv.ParseUint(trimHexPrefix(s.Keywords), 16, 64)
		if err != nil {
			return fmt.Errorf("decode event JSON: Keywords %q is not a hex number like 0x8020000000000000", s.Keywords)
		}
		e.System.Keywords = k
	}
	if s.TimeCreated != "" {
		t, err := time.Parse(time.RFC3339Nano, s.TimeCreated)
		if err != nil {
			return fmt.Errorf("decode event JSON: TimeCreated %q is not RFC 3339: %w", s.TimeCreated, err)
		}
		e.System.TimeCreated = t.UTC()
	}
	raw := j.EventData
	switch {
	case len(j.EventData) > 0 && !bytes.Equal(j.EventData, []byte("null")):
		e.Section = SectionEventData
	case len(j.UserData) > 0 && !bytes.Equal(j.UserData, []byte("null")):
		e.Section, raw = SectionUserData, j.UserData
		e.UserDataName, e.UserDataNS = j.UserDataName, j.UserDataNS
	}
	if e.Section != SectionNone {
		fs, err := decodeFields(raw)
		if err != nil {
			return fmt.Errorf("decode event JSON: %s: %w", e.Section, err)
		}
		e.Data = fs
	}
	e.Binary = j.Binary
	e.Rendering = j.RenderingInfo
	return nil
}

func trimHexPrefix(s string) string {
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:]
	}
	return s
}

// decodeFields reads a JSON object keeping key order; "#n" keys are unnamed.
func decodeFields(raw []byte) ([]Field, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber() // keep a number's text: 12345678 stays 12345678, not 1.2345678e+07
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("want an object of name to string value")
	}
	var fs []Field
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		name := tok.(string) // object keys are always strings
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("field %q: %w", name, err)
		}
		var value string
		switch x := v.(type) {
		case string:
			value = x
		case nil:
		case json.Number:
			value = x.String()
		case bool:
			value = strconv.FormatBool(x)
		default:
			return nil, fmt.Errorf("field %q: value must be a string, got %T", name, v)
		}
		if len(name) > 1 && name[0] == '#' {
			if _, err := strconv.Atoi(name[1:]); err == nil {
				name = ""
			}
		}
		fs = append(fs, Field{Name: name, Value: value})
	}
	return fs, nil
}
