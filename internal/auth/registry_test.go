package auth

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)} }

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func openTest(t *testing.T, dir string, clk *fakeClock) *Registry {
	t.Helper()
	r, err := Open(dir, Options{Now: clk.Now})
	if err != nil {
		t.Fatalf("open registry: %v", err)
	}
	return r
}

func TestCreateListLookupPersist(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	r := openTest(t, dir, clk)
	a, err := r.Create("prod")
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)
	b, err := r.Create("lab")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []Workspace{a, b} {
		if !guidRE.MatchString(w.ID) {
			t.Errorf("id %q is not a lowercase v4 GUID", w.ID)
		}
		for _, k := range []string{w.PrimaryKey, w.SecondaryKey} {
			raw, err := base64.StdEncoding.DecodeString(k)
			if err != nil || len(raw) != KeyBytes || len(k) != 88 {
				t.Errorf("key %q: want base64 of %d bytes (88 chars), got %d bytes, err %v", k, KeyBytes, len(raw), err)
			}
		}
		if w.PrimaryKey == w.SecondaryKey {
			t.Errorf("primary and secondary keys are equal")
		}
	}
	if a.ID == b.ID || a.PrimaryKey == b.PrimaryKey {
		t.Fatalf("two workspaces share an id or key")
	}
	if _, err := r.Create("prod"); err == nil || !strings.Contains(err.Error(), a.ID) {
		t.Errorf("duplicate name: want error naming the existing id, got %v", err)
	}
	for _, bad := range []string{"", "a\nb", strings.Repeat("x", MaxNameBytes+1), "\xff"} {
		if _, err := r.Create(bad); err == nil {
			t.Errorf("Create(%q) succeeded", bad)
		}
	}

	got, ok := r.Lookup(strings.ToUpper(a.ID))
	if !ok || got != a {
		t.Errorf("Lookup(upper case id) = %+v, %v", got, ok)
	}
	if _, ok := r.Lookup("{" + b.ID + "}"); !ok {
		t.Errorf("Lookup with braces failed")
	}
	if _, ok := r.Lookup("not-a-guid"); ok {
		t.Errorf("Lookup(not-a-guid) succeeded")
	}

	// Reopen: everything survived, file is private.
	r2 := openTest(t, dir, clk)
	list := r2.List()
	if len(list) != 2 || list[0] != a || list[1] != b {
		t.Fatalf("after reopen List = %+v, want [%+v %+v]", list, a, b)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(filepath.Join(dir, registryFileName))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("registry file mode %v, want 0600 (it holds keys)", fi.Mode().Perm())
		}
	}
}

func TestRotateKey(t *testing.T) {
	clk := newClock()
	r := openTest(t, t.TempDir(), clk)
	w, err := r.Create("ws")
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	p, err := r.RotateKey(w.ID, Primary)
	if err != nil {
		t.Fatal(err)
	}
	if p.PrimaryKey == w.PrimaryKey || p.SecondaryKey != w.SecondaryKey {
		t.Errorf("rotate primary: primary changed %v, secondary kept %v", p.PrimaryKey != w.PrimaryKey, p.SecondaryKey == w.SecondaryKey)
	}
	if !p.PrimaryRotated.Equal(clk.Now()) || !p.SecondaryRotated.IsZero() {
		t.Errorf("rotation times %v %v", p.PrimaryRotated, p.SecondaryRotated)
	}
	s, err := r.RotateKey(w.ID, Secondary)
	if err != nil {
		t.Fatal(err)
	}
	if s.PrimaryKey != p.PrimaryKey || s.SecondaryKey == w.SecondaryKey {
		t.Errorf("rotate secondary changed the wrong key")
	}
	if _, err := r.RotateKey("00000000-0000-4000-8000-000000000000", Primary); !errors.Is(err, ErrNotFound) {
		t.Errorf("rotate unknown: %v, want ErrNotFound", err)
	}
	if _, err := r.RotateKey(w.ID, "tertiary"); err == nil {
		t.Errorf("rotate tertiary succeeded")
	}
	// Durable: a fresh open sees the rotated keys.
	got, _ := openTest(t, r.dir, clk).Lookup(w.ID)
	if got != s {
		t.Errorf("after reopen %+v, want %+v", got, s)
	}
}

// TestTwoProcesses: the server and the CLI each hold a Registry on one
// directory. Neither overwrites the other's change, and the server sees
// the CLI's change after ReloadInterval without a restart.
func TestTwoProcesses(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	server := openTest(t, dir, clk)
	cli := openTest(t, dir, clk)

	a, err := server.Create("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := cli.Create("b") // cli has not looked at the file since a was added
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cli.Lookup(a.ID); !ok {
		t.Errorf("cli lost workspace a created by the server")
	}
	if _, ok := server.Lookup(b.ID); ok {
		t.Logf("server saw b before ReloadInterval (allowed but unexpected with a frozen clock)")
	}
	clk.Add(ReloadInterval)
	if _, ok := server.Lookup(b.ID); !ok {
		t.Fatalf("server does not see workspace b after ReloadInterval")
	}
	rot, err := cli.RotateKey(a.ID, Primary)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(ReloadInterval)
	got, _ := server.Lookup(a.ID)
	if got.PrimaryKey != rot.PrimaryKey {
		t.Errorf("server still has the old primary key after the cli rotated it")
	}
	if n := len(openTest(t, dir, clk).List()); n != 2 {
		t.Errorf("file holds %d workspaces, want 2", n)
	}
}

func TestOpenDamagedFile(t *testing.T) {
	f := func(name, content, wantErr string) {
		t.Helper()
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, registryFileName), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(dir, Options{})
		if err == nil || !strings.Contains(err.Error(), wantErr) || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s: Open error %v, want it to mention %q and the path", name, err, wantErr)
		}
	}
	f("torn", `{"version":1,"workspaces":[{"id":"`, "unexpected EOF")
	f("future version", `{"version":2,"workspaces":[]}`, "version 2")
	f("bad id", `{"version":1,"workspaces":[{"id":"x","primaryKey":"AA==","secondaryKey":"AA=="}]}`, `id "x"`)
	f("bad key", `{"version":1,"workspaces":[{"id":"00000000-0000-4000-8000-000000000000","primaryKey":"!!","secondaryKey":"AA=="}]}`, "primary key")
	f("unknown field", `{"version":1,"workspaces":[],"extra":1}`, "unknown field")

	// A temp file left by a crash before rename is ignored.
	dir, clk := t.TempDir(), newClock()
	w, err := openTest(t, dir, clk).Create("x")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, registryFileName+".tmp-123"), []byte("{torn"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := openTest(t, dir, clk).Lookup(w.ID); !ok {
		t.Errorf("leftover temp file hid the workspace")
	}
}

func TestParseKeyKind(t *testing.T) {
	for in, want := range map[string]KeyKind{"primary": Primary, "Secondary": Secondary} {
		if got, err := ParseKeyKind(in); err != nil || got != want {
			t.Errorf("ParseKeyKind(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseKeyKind("both"); err == nil {
		t.Errorf("ParseKeyKind(both) succeeded")
	}
}
