package schema

import (
	"strconv"
	"unsafe"

	"wsec/internal/event"
)

// DataJSON renders the payload as the JSON object of Sentinel's WindowsEvent
// EventData column (dynamic), so that KQL like EventData.TargetUserName reads
// the same value as in Sentinel:
//
//   - a named field (EventData Data Name="X", or a UserData child) is the
//     member "X" with its value as a string, in document order; UserData
//     fields nested deeper keep their path name ("Params/Param");
//   - unnamed Data values (classic providers) are collected, in order, into
//     one array member "Data";
//   - EventData/Binary is the member "Binary" (hex text);
//   - a name that repeats gets "_1", "_2", ... on its later occurrences, so no
//     value is lost to a duplicate key.
//
// An event with no payload renders as "{}".
func DataJSON(e *event.Event) string {
	b := appendDataJSON(make([]byte, 0, dataJSONSizeHint(e)), e)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// dataJSONSizeHint is the length of DataJSON when nothing needs escaping,
// plus slack: the capacity to allocate.
func dataJSONSizeHint(e *event.Event) int {
	n := len(`{"Data":[],"Binary":""}`) + len(e.Binary) + escapeSlack
	for i := range e.Data {
		n += len(e.Data[i].Name) + len(e.Data[i].Value) + len(`,"":""`)
	}
	return n
}

// dupIndex returns how many fields before fields[i] carry its name, by
// scanning; counts, when not nil, replaces the scan for long field lists.
func dupIndex(fields []event.Field, i int, counts map[string]int) int {
	if counts != nil {
		n := counts[fields[i].Name]
		counts[fields[i].Name] = n + 1
		return n
	}
	n := 0
	name := fields[i].Name
	for j := 0; j < i; j++ {
		if fields[j].Name == name {
			n++
		}
	}
	return n
}

// appendDataJSON appends what DataJSON returns.
func appendDataJSON(b []byte, e *event.Event) []byte {
	b = append(b, '{')
	var counts map[string]int
	if len(e.Data) > dupScanFields {
		counts = make(map[string]int, len(e.Data))
	}
	members, unnamed := 0, 0
	for i := range e.Data {
		f := &e.Data[i]
		if f.Name == "" {
			unnamed++
			continue
		}
		dup := dupIndex(e.Data, i, counts)
		if members > 0 {
			b = append(b, ',')
		}
		members++
		name := f.Name
		if dup > 0 {
			name += "_" + strconv.Itoa(dup)
		}
		b = event.AppendJSONString(b, name)
		b = append(b, ':')
		b = event.AppendJSONString(b, f.Value)
	}
	if unnamed > 0 {
		if members > 0 {
			b = append(b, ',')
		}
		members++
		b = append(b, `"Data":[`...)
		k := 0
		for i := range e.Data {
			if e.Data[i].Name != "" {
				continue
			}
			if k > 0 {
				b = append(b, ',')
			}
			k++
			b = event.AppendJSONString(b, e.Data[i].Value)
		}
		b = append(b, ']')
	}
	if e.Binary != "" {
		if members > 0 {
			b = append(b, ',')
		}
		b = append(b, `"Binary":`...)
		b = event.AppendJSONString(b, e.Binary)
	}
	return append(b, '}')
}
