package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wsec/internal/ship"
)

const validConfig = `{
  "dataDir": "data",
  "groups": ["servers"],
  "eventSet": "Common",
  "sources": [
    {"kind": "eventlog"},
    {"kind": "evtx", "path": "logs", "follow": true},
    {"kind": "xml", "path": "-"},
    {"kind": "synthetic", "rate": 1000, "count": 1000000, "seed": 7, "start": "2026-01-05T08:00:00Z"}
  ],
  "destinations": [
    {"name": "prod", "url": "https://wsec.example:8443", "workspace": "7d1c0a52-6a4b-4f4e-9d0e-0a1b2c3d4e5f",
     "key": "c2VjcmV0", "caFile": "ca.pem", "proxy": "http://proxy:3128", "eventSet": "All"},
    {"name": "lab", "url": "http://127.0.0.1:8080", "workspace": "{7D1C0A52-6A4B-4F4E-9D0E-0A1B2C3D4E60}", "keyFile": "lab.key"}
  ],
  "rulesInterval": "30s",
  "listen": "127.0.0.1:9465"
}`

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "agent.json")
	os.WriteFile(path, []byte(validConfig), 0o600)
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != filepath.Join(dir, "data") || c.Sources[1].Path != filepath.Join(dir, "logs") || c.Sources[2].Path != "-" ||
		c.Destinations[0].CAFile != filepath.Join(dir, "ca.pem") || c.Destinations[1].KeyFile != filepath.Join(dir, "lab.key") {
		t.Errorf("relative paths not resolved against the config's folder: %+v", c)
	}
	if c.RulesInterval.String() != "30s" {
		t.Errorf("rulesInterval %v", c.RulesInterval)
	}
}

func (d Duration) String() string { b, _ := d.MarshalText(); return string(b) }

func TestConfigErrors(t *testing.T) {
	f := func(edit func(string) string, want ...string) {
		t.Helper()
		_, err := ParseConfig([]byte(edit(validConfig)))
		if err == nil {
			t.Fatalf("config accepted, want errors %q", want)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not say %q", err, w)
			}
		}
	}
	replace := func(old, new string) func(string) string {
		return func(s string) string {
			if !strings.Contains(s, old) {
				t.Fatalf("test config lacks %q", old)
			}
			return strings.Replace(s, old, new, 1)
		}
	}
	// Positions for syntax errors and unknown fields.
	f(replace(`"groups": ["servers"],`, `"groups": ["servers"]`), "line 4, column")
	f(replace(`"eventSet": "Common"`, `"eventSets": "Common"`), `unknown field "eventSets"`, "line 4")
	f(replace(`"rate": 1000`, `"rate": "fast"`), "line 9", `field "sources.rate"`)
	f(replace(`"rulesInterval": "30s"`, `"rulesInterval": "30"`), "line 16", `value "30": want a non-negative number with a unit`)
	f(replace(`"keyFile": "lab.key"`, `"keyFile": "lab.key", "gateway": "gw:8081"`), `destinations[1]: gateway "gw:8081": want http(s)://host[:port]`)
	f(replace(`"keyFile": "lab.key"`, `"keyFile": "lab.key", "compression": "lz4"`), `destinations[1]: compression "lz4": want zstd, s2 or gzip`)
	f(replace(`"keyFile": "lab.key"`, `"keyFile": "lab.key", "compression": "s2", "gateway": "https://gw:8081"`), `destinations[1]: compression s2 with a relay gateway`)
	// Checks, all reported at once.
	f(func(s string) string {
		s = strings.Replace(s, `"eventSet": "Common"`, `"eventSet": "Everything"`, 1)
		s = strings.Replace(s, `"kind": "eventlog"`, `"kind": "wef"`, 1)
		s = strings.Replace(s, `"name": "lab"`, `"name": "prod"`, 1)
		return strings.Replace(s, `"key": "c2VjcmV0", `, ``, 1)
	}, `unknown event set "Everything"`, `kind "wef"`, `name "prod" used twice`, "destinations[0]: give the workspace key")
	f(replace(`"workspace": "7d1c0a52-6a4b-4f4e-9d0e-0a1b2c3d4e5f"`, `"workspace": "prod"`), `workspace "prod" is not a workspace ID`)
	f(replace(`"url": "https://wsec.example:8443"`, `"url": "wsec.example"`), `url "wsec.example"`)
	f(replace(`"eventSet": "All"}`, `"xpathQueries": ["Security!*[System[EventId=4624]]"]}`), "destinations[0]: event set and queries", `element "EventId" does not exist`)
	f(replace(`{"kind": "xml", "path": "-"},`, `{"kind": "xml", "path": "-"}, {"kind": "xml", "path": "-"},`), "standard input can be read by one source only")
	f(replace(`"start": "2026-01-05T08:00:00Z"`, `"start": "yesterday"`), `start "yesterday"`)
	f(replace(`"dataDir": "data",`, ``), "dataDir is required")
	f(replace(`"listen"`, `"spoolMaxBytes": 1000, "listen"`), "spoolMaxBytes 1000: want at least")
	f(func(s string) string { return s + " {}" }, "more than one JSON value")
}

// TestDefaultCompression: s2 for a workspace on this machine reached
// directly, zstd for anything else; a configured compression stands.
func TestDefaultCompression(t *testing.T) {
	for _, c := range []struct {
		d    DestinationConfig
		want ship.Compression
	}{
		{DestinationConfig{URL: "http://127.0.0.1:8080"}, ship.S2},
		{DestinationConfig{URL: "https://localhost"}, ship.S2},
		{DestinationConfig{URL: "http://[::1]:8080"}, ship.S2},
		{DestinationConfig{URL: "https://wsec.contoso.local"}, ship.Zstd},
		{DestinationConfig{URL: "http://10.0.0.5:8080"}, ship.Zstd},
		{DestinationConfig{URL: "http://127.0.0.1:8080", Proxy: "http://127.0.0.1:3128"}, ship.Zstd},
		{DestinationConfig{URL: "https://wsec.contoso.local", Gateway: "http://127.0.0.1:8081"}, ship.Zstd},
		{DestinationConfig{URL: "http://127.0.0.1:8080", Compression: "zstd"}, ship.Zstd},
		{DestinationConfig{URL: "https://wsec.contoso.local", Compression: "s2"}, ship.S2},
	} {
		if got := c.d.compression(); got != c.want {
			t.Errorf("%+v: compression %s, want %s", c.d, got, c.want)
		}
	}
}

func TestAgentIDIsKept(t *testing.T) {
	dir := t.TempDir()
	a, err := agentID("", dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := agentID("", dir)
	if err != nil || a != b || !agentIDPattern.MatchString(a) {
		t.Fatalf("agent ID %q then %q (%v): want the same valid ID", a, b, err)
	}
	os.WriteFile(filepath.Join(dir, agentIDFile), []byte("not an id!\n"), 0o600)
	if _, err := agentID("", dir); err == nil {
		t.Error("a damaged agent ID file was accepted (a new ID would let re-sent batches be stored twice)")
	}
	if id, err := agentID("host-42", dir); err != nil || id != "host-42" {
		t.Errorf("configured ID: %q %v", id, err)
	}
}
