package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestHuntSamples runs a process_creation rule over the bundled samples:
// it fires once, on the Security 4688 of certutil (Image read as
// NewProcessName), and the rule whose log source is not mapped is listed
// with its reason.
func TestHuntSamples(t *testing.T) {
	code, out, errs := runCmd(t, "hunt", "--sigma", "testdata/sigma", "--format", "jsonl", "samples")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d findings, want 1:\n%s", len(lines), out)
	}
	var f struct {
		EventID  int               `json:"eventId"`
		Rule     string            `json:"rule"`
		Level    string            `json:"level"`
		Computer string            `json:"computer"`
		Tags     []string          `json:"tags"`
		Fields   map[string]string `json:"fields"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &f); err != nil {
		t.Fatal(err)
	}
	if f.EventID != 4688 || f.Rule != "Certutil downloads a file" || f.Level != "high" || f.Computer != "fs03vuln.offsec.lan" ||
		f.Fields["Image"] != `C:\Windows\System32\certutil.exe` || !strings.Contains(f.Fields["CommandLine"], "-urlcache") || len(f.Tags) != 2 {
		t.Errorf("finding %+v", f)
	}
	for _, want := range []string{"1 findings", "1  high          Certutil downloads a file", "1 rules do not run (1 valid Sigma wsec does not support", `category "file_access" is not mapped`} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

func TestHuntUsage(t *testing.T) {
	f := func(want string, args ...string) {
		t.Helper()
		code, _, errs := runCmd(t, append([]string{"hunt"}, args...)...)
		if code == 0 || !strings.Contains(errs, want) {
			t.Errorf("%v: exit %d, stderr %q, want it to contain %q", args, code, errs, want)
		}
	}
	f("give the Sigma rules with --sigma DIR", "samples")
	f("give at least one EVTX", "--sigma", "testdata/sigma")
	f(`--format "xml"`, "--sigma", "testdata/sigma", "--format", "xml", "samples")
	f(`--from "yesterday"`, "--sigma", "testdata/sigma", "--from", "yesterday", "samples")
	f("read rules", "--sigma", "testdata/nonexistent", "samples")
}

func TestSigmaCommands(t *testing.T) {
	code, out, errs := runCmd(t, "sigma", "kql", "testdata/sigma")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"// Certutil downloads a file", `NewProcessName endswith "\\certutil.exe"`, `tostring(EventData["Image"]) endswith "\\certutil.exe"`} {
		if !strings.Contains(out, want) {
			t.Errorf("sigma kql output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, `wsec sigma kql: 1 rules do not run`) {
		t.Errorf("stderr: %s", errs)
	}
	code, out, errs = runCmd(t, "sigma", "check", "testdata/sigma")
	if code != 0 || !strings.Contains(out, "windows/process_creation        1    1            0") || !strings.Contains(out, "windows/file_access        0    0            1") {
		t.Errorf("exit %d, check output:\n%s%s", code, out, errs)
	}
}
