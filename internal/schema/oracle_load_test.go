package schema

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"wsec/internal/event"
)

// This file reads Sentinel's own SecurityEvent exports (the oracle) and
// rebuilds, from each row, the Windows event Sentinel was given: System from
// the row's System columns, the payload from its EventData XML.

// sentinelRow is one exported row: its members in file order, each value as
// text (JSON strings unquoted, numbers as written).
type sentinelRow struct {
	dataset string
	line    int
	keys    []string
	vals    map[string]string
	isNum   map[string]bool
}

func (r *sentinelRow) get(k string) (string, bool) {
	v, ok := r.vals[k]
	return v, ok
}

// parseSentinelRow decodes one JSON object keeping member order.
func parseSentinelRow(line []byte) (*sentinelRow, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("row is not an object")
	}
	r := &sentinelRow{vals: map[string]string{}, isNum: map[string]bool{}}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("member %s: %w", k, err)
		}
		var v string
		switch {
		case len(raw) > 0 && raw[0] == '"':
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("member %s: %w", k, err)
			}
		case string(raw) == "null":
			continue
		default:
			v = string(raw)
			r.isNum[k] = true
		}
		r.keys = append(r.keys, k)
		r.vals[k] = v
	}
	return r, nil
}

// readJSONLines parses every non-empty line of rd as a row of dataset.
func readJSONLines(rd io.Reader, dataset string) ([]*sentinelRow, error) {
	var out []*sentinelRow
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		r, err := parseSentinelRow(line)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", dataset, n, err)
		}
		r.dataset, r.line = dataset, n
		out = append(out, r)
	}
	return out, sc.Err()
}

// readJSONLFile reads a .jsonl file.
func readJSONLFile(path, dataset string) ([]*sentinelRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readJSONLines(f, dataset)
}

// readZippedJSONL reads every .json member of a zip archive.
func readZippedJSONL(path, dataset string) ([]*sentinelRow, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	defer zr.Close()
	var out []*sentinelRow
	for _, f := range zr.File {
		if !strings.HasSuffix(strings.ToLower(f.Name), ".json") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("open %s in %s: %w", f.Name, filepath.Base(path), err)
		}
		rows, err := readJSONLines(rc, dataset)
		rc.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// Keys of an exported row that are not payload fields: System columns, the
// columns Sentinel derives, workspace columns, and what the analytic-rule
// queries that produced the GoldenSAML export added.
var nonPayloadKeys = map[string]bool{
	"TenantId": true, "SourceSystem": true, "TimeGenerated": true, "Computer": true,
	"EventID": true, "MG": true, "ManagementGroupName": true, "Type": true,
	"_ResourceId": true, "EventSourceName": true, "Channel": true, "Task": true,
	"Level": true, "Activity": true, "SourceComputerId": true, "EventOriginId": true,
	"TimeCollected": true, "InstanceId": true, "Account": true, "AccountType": true,
	"SubjectAccount": true, "TargetAccount": true, "LogonTypeName": true, "Process": true,
	"EventData": true, "EventData_dynamic": true, "EventData_string": true,
	"timestamp": true, "HostCustomEntity": true, "AccountCustomEntity": true, "ClaimsName": true,
}

// columnName maps an exported key to the table column: a union of tables
// gives a column of conflicting types a "_string" or "_dynamic" suffix.
func columnName(k string) string {
	k = strings.TrimSuffix(k, "_string")
	return strings.TrimSuffix(k, "_dynamic")
}

// payloadSource says where a rebuilt event's payload came from.
type payloadSource string

const (
	fromXML     payloadSource = "EventData XML"
	fromArray   payloadSource = "EventData_dynamic array"
	fromColumns payloadSource = "field columns (export has no EventData)"
)

// rebuildEvent returns the event Sentinel was given for row r.
func rebuildEvent(r *sentinelRow) (*event.Event, payloadSource, error) {
	e := &event.Event{}
	s := &e.System
	id, err := strconv.ParseUint(r.vals["EventID"], 10, 16)
	if err != nil {
		return nil, "", fmt.Errorf("EventID: %w", err)
	}
	s.EventID = uint16(id)
	s.Provider = r.vals["EventSourceName"]
	s.Channel = r.vals["Channel"]
	s.Computer = r.vals["Computer"]
	if t, ok := r.get("Task"); ok {
		v, err := strconv.ParseUint(t, 10, 16)
		if err != nil {
			return nil, "", fmt.Errorf("Task: %w", err)
		}
		s.Task = uint16(v)
	}
	tg, err := time.Parse(time.RFC3339Nano, r.vals["TimeGenerated"])
	if err != nil {
		return nil, "", fmt.Errorf("TimeGenerated: %w", err)
	}
	s.TimeCreated = tg
	// The exports carry no Keywords. Every row of both is an audit success
	// except where Sentinel wrote the failure type 16 into Level.
	s.Keywords = 0x8000000000000000 | keywordAuditSuccess
	if r.vals["Level"] == "16" {
		s.Keywords = 0x8000000000000000 | keywordAuditFailure
	}

	if x, ok := r.get("EventData"); ok && x != "" {
		if err := parsePayloadXML(x, e); err != nil {
			return nil, "", fmt.Errorf("EventData: %w", err)
		}
		return e, fromXML, nil
	}
	if a, ok := r.get("EventData_dynamic"); ok {
		var vals []string
		if err := json.Unmarshal([]byte(a), &vals); err != nil {
			return nil, "", fmt.Errorf("EventData_dynamic: %w", err)
		}
		e.Section = event.SectionEventData
		for _, v := range vals {
			e.Data = append(e.Data, event.Field{Value: v})
		}
		return e, fromArray, nil
	}
	e.Section = event.SectionEventData
	for _, k := range r.keys {
		if nonPayloadKeys[k] {
			continue
		}
		e.Data = append(e.Data, event.Field{Name: columnName(k), Value: r.vals[k]})
	}
	return e, fromColumns, nil
}

// parsePayloadXML reads an EventData or UserData element, as Sentinel's
// EventData column holds it, into e.
func parsePayloadXML(s string, e *event.Event) error {
	dec := xml.NewDecoder(strings.NewReader(s))
	root, err := nextStart(dec)
	if err != nil {
		return err
	}
	switch root.Name.Local {
	case "EventData":
		e.Section = event.SectionEventData
		for {
			se, err := nextStart(dec)
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			text, err := elementText(dec)
			if err != nil {
				return err
			}
			switch se.Name.Local {
			case "Data":
				name := ""
				for _, a := range se.Attr {
					if a.Name.Local == "Name" {
						name = a.Value
					}
				}
				e.Data = append(e.Data, event.Field{Name: name, Value: text})
			case "Binary":
				e.Binary = text
			default:
				return fmt.Errorf("unexpected element %s in EventData", se.Name.Local)
			}
		}
	case "UserData":
		e.Section = event.SectionUserData
		w, err := nextStart(dec)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		e.UserDataName, e.UserDataNS = w.Name.Local, w.Name.Space
		return readUserData(dec, "", e)
	}
	return fmt.Errorf("root element %s is neither EventData nor UserData", root.Name.Local)
}

// nextStart returns the next start element, io.EOF at the end.
func nextStart(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		t, err := dec.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		if se, ok := t.(xml.StartElement); ok {
			return se, nil
		}
	}
}

// elementText reads the text of the element just opened, up to its end.
func elementText(dec *xml.Decoder) (string, error) {
	var b strings.Builder
	for {
		t, err := dec.Token()
		if err != nil {
			return "", err
		}
		switch t := t.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.EndElement:
			return b.String(), nil
		case xml.StartElement:
			return "", fmt.Errorf("element %s inside a Data value", t.Name.Local)
		}
	}
}

// readUserData reads the children of the element just opened: leaves become
// fields named by their path below the wrapper.
func readUserData(dec *xml.Decoder, prefix string, e *event.Event) error {
	for {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			name := prefix + t.Name.Local
			if err := readUserDataChild(dec, name, e); err != nil {
				return err
			}
		}
	}
}

// readUserDataChild reads one child: text makes a field, child elements
// nest.
func readUserDataChild(dec *xml.Decoder, name string, e *event.Event) error {
	var text strings.Builder
	nested := false
	for {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.StartElement:
			nested = true
			if err := readUserDataChild(dec, name+"/"+t.Name.Local, e); err != nil {
				return err
			}
		case xml.EndElement:
			if !nested {
				e.Data = append(e.Data, event.Field{Name: name, Value: text.String()})
			}
			return nil
		}
	}
}
