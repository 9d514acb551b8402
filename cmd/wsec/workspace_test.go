package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wsec/internal/dcr"
)

// TestWorkspaceRotateKeyUsage checks that a wrongly called rotate-key is a
// usage error reported before the data directory is touched.
func TestWorkspaceRotateKeyUsage(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	for _, args := range [][]string{
		{"--key", "tertiary", "--workspace", "ws1"},
		{"--key", "primary", "--workspace", ""},
	} {
		args = append([]string{"workspace", "rotate-key", "--data", data}, args...)
		code, _, errs := runCmd(t, args...)
		if code != 2 || !strings.Contains(errs, "wsec workspace:") {
			t.Errorf("%v: exit %d, %s; want a usage error", args, code, errs)
		}
		if _, err := os.Stat(data); !os.IsNotExist(err) {
			t.Errorf("%v: data directory created (%v)", args, err)
		}
	}
}

// TestServeLogFormatUsage: an unknown --log-format is a usage error, not
// JSON logs in silence.
func TestServeLogFormatUsage(t *testing.T) {
	code, _, errs := runCmd(t, "serve", "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--log-format", "xml")
	if code != 2 || !strings.Contains(errs, `--log-format "xml": want json or text`) {
		t.Errorf("exit %d, %s; want a usage error naming the format", code, errs)
	}
}

// TestValidateRule: the workspace reads a rule's event set as its agents
// do: none given is None (queries only); an unknown name is refused.
func TestValidateRule(t *testing.T) {
	if err := validateRule(dcr.Rule{Name: "kerberos", XPathQueries: []string{"Security!*[System[(EventID=4768)]]"}}); err != nil {
		t.Errorf("rule of queries only refused: %v", err)
	}
	if err := validateRule(dcr.Rule{Name: "x", EventSet: "Everything"}); err == nil || !strings.Contains(err.Error(), "Everything") {
		t.Errorf("unknown set: %v", err)
	}
}
