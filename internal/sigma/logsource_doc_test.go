package sigma

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite LOGSOURCES.md from WindowsMappings")

// TestLogSourcesDoc keeps LOGSOURCES.md equal to the table it documents;
// go test -run TestLogSourcesDoc -update rewrites it.
func TestLogSourcesDoc(t *testing.T) {
	want := logSourcesDoc(WindowsMappings())
	if *update {
		if err := os.WriteFile("LOGSOURCES.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("LOGSOURCES.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Error("LOGSOURCES.md differs from WindowsMappings; run go test ./internal/sigma -run TestLogSourcesDoc -update")
	}
}

func logSourcesDoc(ms []Mapping) string {
	var b strings.Builder
	b.WriteString(`# Sigma log sources in wsec

Generated from ` + "`WindowsMappings`" + ` (logsource.go) by ` + "`go test ./internal/sigma -run TestLogSourcesDoc -update`" + `;
do not edit by hand.

A Sigma rule of ` + "`product: windows`" + ` runs on the events of the channels (and event IDs) its
` + "`category`" + ` or ` + "`service`" + ` maps to below; a rule naming both runs on the category's targets in the
service's channels. Field names are the event's payload names (Sysmon's for Sysmon categories), except
where a rename is listed: a Sigma field with a rename is read from the named event field. In the workspace,
the Security and AppLocker channels are the SecurityEvent table (payload fields are its columns where one
exists, else read from its EventData XML), every other channel is WindowsEvent (payload fields are
properties of its EventData).

A log source not listed here is not mapped: its rules are reported as unsupported with that reason
(` + "`file_access`" + ` and ` + "`file_rename`" + ` come from the Microsoft-Windows-Kernel-File ETW provider, which is not an
event log).

## Categories

| category | channel | event IDs | table | field renames (Sigma → event) |
|---|---|---|---|---|
`)
	row := func(key string, m Mapping) {
		for _, t := range m.Targets {
			ids := "all"
			if len(t.EventIDs) > 0 {
				var s []string
				for _, id := range t.EventIDs {
					s = append(s, fmt.Sprint(id))
				}
				ids = strings.Join(s, ", ")
			}
			var ren []string
			for k, v := range t.Fields {
				ren = append(ren, fmt.Sprintf("%s → %s", k, v))
			}
			sort.Strings(ren)
			r := strings.Join(ren, ", ")
			if r == "" {
				r = "none"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", key, t.Channel, ids, t.Table, r)
		}
	}
	for _, m := range ms {
		if m.Category != "" {
			row(m.Category, m)
		}
	}
	b.WriteString("\n## Services\n\n| service | channel | event IDs | table | field renames (Sigma → event) |\n|---|---|---|---|---|\n")
	for _, m := range ms {
		if m.Service != "" {
			row(m.Service, m)
		}
	}
	b.WriteString(`
## Process creation on Security 4688

4688 carries fewer fields than Sysmon 1. Fields without a rename above (Hashes, OriginalFileName,
Product, Company, Description, FileVersion, CurrentDirectory, ProcessGuid, ParentProcessGuid, and
ParentCommandLine before Windows 11/Server 2022) are absent from 4688, so a selection testing them does
not match there and a filter testing them does not exclude. Values keep 4688's own form: ProcessId and
NewProcessId are hexadecimal ("0x1a2c"), MandatoryLabel is a SID ("S-1-16-12288" for High), User is the
bare SubjectUserName without its domain.
`)
	return b.String()
}
