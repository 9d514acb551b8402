package geoip

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"wsec/internal/atomicfile"
)

// Paths are the database files of one configuration: city files and ASN
// files, each list as Open takes it.
type Paths struct {
	City []string `json:"city"`
	ASN  []string `json:"asn"`
}

// Source says where a workspace's databases come from.
type Source string

const (
	// FromWorkspace: the workspace's own setting (Settings.Set).
	FromWorkspace Source = "workspace"
	// FromServer: the files wsec serve was started with.
	FromServer Source = "server"
	// FromNone: no databases; geography is off.
	FromNone Source = "none"
)

// Effective is what one workspace uses now.
type Effective struct {
	Source Source
	Paths  Paths
	// Updated is when the workspace's setting was saved (zero unless
	// Source is FromWorkspace).
	Updated time.Time
	// Err is why a saved setting could not be opened when the server
	// started (the files moved or broke): geography is then off for the
	// workspace until the setting is changed or reset.
	Err error
	DB  *DB
}

// Settings holds the GeoIP databases of each workspace: its own saved
// setting when it has one, else the server's (wsec serve --geoip-city,
// --geoip-asn). A change applies at once, without a restart.
//
// Why per workspace: the issue asks for the databases in the workspace's
// settings, so an admin picks them from the browser; a workspace without
// a setting needs none and inherits the server's flags.
//
// Databases replaced by a change stay open until Close, because lookups
// may still be running on them (a closed file's memory is unmapped); a
// setting changes rarely, so this costs little.
type Settings struct {
	dir    string
	server Paths

	mu       sync.RWMutex
	serverDB *DB
	ws       map[string]*Effective
	retired  []*DB
}

// savedSetting is a workspace's file in the settings directory.
type savedSetting struct {
	Paths
	Updated time.Time `json:"updated"`
}

// OpenSettings opens the server's databases and the settings saved under
// dir (created if missing). A saved setting whose files no longer open
// does not stop the server: the workspace runs without geography and its
// Effective.Err says why.
func OpenSettings(dir string, server Paths) (*Settings, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("GeoIP settings directory: %w", err)
	}
	db, err := Open(server.City, server.ASN)
	if err != nil {
		return nil, err
	}
	s := &Settings{dir: dir, server: server, serverDB: db, ws: map[string]*Effective{}}
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		ws := strings.TrimSuffix(filepath.Base(name), ".json")
		b, err := os.ReadFile(name)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("read GeoIP setting of workspace %s: %w", ws, err)
		}
		var saved savedSetting
		if err := json.Unmarshal(b, &saved); err != nil {
			s.Close()
			return nil, fmt.Errorf("GeoIP setting of workspace %s (%s): %w; fix or delete the file", ws, name, err)
		}
		e := &Effective{Source: FromWorkspace, Paths: saved.Paths, Updated: saved.Updated}
		if e.DB, err = Open(saved.City, saved.ASN); err != nil {
			e.Err = err
		}
		s.ws[ws] = e
	}
	return s, nil
}

// For returns workspace ws's databases (nil: none; a nil *DB works).
func (s *Settings) For(ws string) *DB {
	if s == nil {
		return nil
	}
	return s.Get(ws).DB
}

// Get returns what workspace ws uses now.
func (s *Settings) Get(ws string) Effective {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e, ok := s.ws[ws]; ok {
		return *e
	}
	if s.serverDB.HasCity() || s.serverDB.HasASN() {
		return Effective{Source: FromServer, Paths: s.server, DB: s.serverDB}
	}
	return Effective{Source: FromNone, Paths: Paths{City: []string{}, ASN: []string{}}}
}

// Server returns the files wsec serve was started with.
func (s *Settings) Server() Paths { return s.server }

// ErrBadSetting wraps the reasons Set refuses a setting.
var ErrBadSetting = errors.New("invalid GeoIP setting")

// Set makes p workspace ws's databases. The files are opened first; when
// one fails nothing changes and the error says which. Empty lists mean
// no geography for the workspace (unlike Reset, which inherits the
// server's).
func (s *Settings) Set(ws string, p Paths, now time.Time) (Effective, error) {
	if !validWorkspace(ws) {
		return Effective{}, fmt.Errorf("%w: workspace ID %q", ErrBadSetting, ws)
	}
	p = Paths{City: clean(p.City), ASN: clean(p.ASN)}
	for _, f := range slices.Concat(p.City, p.ASN) {
		if !filepath.IsAbs(f) {
			return Effective{}, fmt.Errorf("%w: %q is not an absolute path; give the file's full path on the server", ErrBadSetting, f)
		}
	}
	db, err := Open(p.City, p.ASN)
	if err != nil {
		return Effective{}, fmt.Errorf("%w: %w", ErrBadSetting, err)
	}
	saved := savedSetting{Paths: p, Updated: now.UTC()}
	b, err := json.MarshalIndent(saved, "", "  ")
	if err == nil {
		err = atomicfile.WriteFile(s.file(ws), b, 0o600)
	}
	if err != nil {
		db.Close()
		return Effective{}, fmt.Errorf("save GeoIP setting of workspace %s: %w", ws, err)
	}
	e := &Effective{Source: FromWorkspace, Paths: p, Updated: saved.Updated, DB: db}
	s.mu.Lock()
	s.retire(ws)
	s.ws[ws] = e
	s.mu.Unlock()
	return *e, nil
}

// Reset removes workspace ws's setting: the server's databases apply
// again.
func (s *Settings) Reset(ws string) (Effective, error) {
	if !validWorkspace(ws) {
		return Effective{}, fmt.Errorf("%w: workspace ID %q", ErrBadSetting, ws)
	}
	if err := os.Remove(s.file(ws)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Effective{}, fmt.Errorf("remove GeoIP setting of workspace %s: %w", ws, err)
	}
	s.mu.Lock()
	s.retire(ws)
	delete(s.ws, ws)
	s.mu.Unlock()
	return s.Get(ws), nil
}

// retire keeps ws's current databases for Close; s.mu is held.
func (s *Settings) retire(ws string) {
	if e, ok := s.ws[ws]; ok && e.DB != nil {
		s.retired = append(s.retired, e.DB)
	}
}

// GeoInfoJSON is DB.GeoInfoJSON with workspace ws's databases.
func (s *Settings) GeoInfoJSON(ws, ip string) (string, bool) {
	return s.For(ws).GeoInfoJSON(ip)
}

// Close closes every database.
func (s *Settings) Close() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := []error{s.serverDB.Close()}
	for _, e := range s.ws {
		errs = append(errs, e.DB.Close())
	}
	for _, d := range s.retired {
		errs = append(errs, d.Close())
	}
	s.ws, s.retired = nil, nil
	return errors.Join(errs...)
}

func (s *Settings) file(ws string) string { return filepath.Join(s.dir, ws+".json") }

// validWorkspace keeps a workspace ID usable as a file name.
func validWorkspace(ws string) bool {
	return ws != "" && ws != "." && ws != ".." && !strings.ContainsAny(ws, `/\:`+"\x00")
}

func clean(paths []string) []string {
	out := []string{}
	for _, p := range paths {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, filepath.Clean(p))
		}
	}
	return out
}
