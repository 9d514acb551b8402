package duckdb

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"wsec/internal/schema"
	"wsec/internal/store"
)

// Store is the set of workspace databases under one directory. It is safe
// for concurrent use.
type Store struct {
	dir    string
	opts   Options
	log    *slog.Logger
	m      *metrics
	cat    *schema.Catalog
	mapper *schema.Mapper
	disk   *diskGuard

	mu     sync.Mutex
	ws     map[string]*Workspace
	closed bool
}

// Open opens the store in dir, creating dir if needed. Workspace databases
// are opened lazily by Workspace.
func Open(dir string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	// DuckDB's driver parses the database path as a URL and then opens the
	// text before '?' as it is: '?' and '#' cut it, and a '%' not followed
	// by two hex digits fails the parse.
	if _, err := url.Parse(dir); err != nil || strings.ContainsAny(dir, "?#") {
		return nil, fmt.Errorf("open store %q: the path must not contain '?', '#' or a '%%' not followed by two hex digits (DuckDB's driver reads it as a URL); choose another data directory: %w", dir, store.ErrInvalidName)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create store dir: %w", err)
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	tuneAllocator(opts.Logger)
	cat := schema.New()
	disk := &diskGuard{dir: dir, min: opts.MinFreeDiskBytes, free: opts.FreeSpace, now: opts.Now, paused: m.pausedLowDisk, log: opts.Logger}
	s := &Store{dir: dir, opts: opts, log: opts.Logger, m: m, cat: cat, mapper: schema.NewMapper(cat), disk: disk,
		ws: make(map[string]*Workspace)}
	m.duckdbMemory.store.Store(s)
	return s, nil
}

// openWorkspaces lists the workspaces open now.
func (s *Store) openWorkspaces() []*Workspace {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Collect(maps.Values(s.ws))
}

// Workspace returns the workspace id, opening (and on first use creating)
// its database. id must be 1-64 letters, digits, '-' or '_' (it names a
// file); otherwise the error wraps store.ErrInvalidName.
func (s *Store) Workspace(id string) (*Workspace, error) {
	if !validWorkspaceID(id) {
		return nil, fmt.Errorf("open workspace %q: want 1-%d letters, digits, '-' or '_': %w", id, MaxWorkspaceIDBytes, store.ErrInvalidName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("open workspace %s: %w", id, store.ErrClosed)
	}
	if w, ok := s.ws[id]; ok {
		return w, nil
	}
	if len(s.ws) >= s.opts.MaxOpenWorkspaces {
		return nil, fmt.Errorf("open workspace %s: %d workspaces open: %w", id, len(s.ws), store.ErrLimit)
	}
	w, err := openWorkspace(s, id)
	if err != nil {
		return nil, err
	}
	s.ws[id] = w
	s.m.openWorkspaces.Set(float64(len(s.ws)))
	return w, nil
}

// WorkspaceIDs lists the workspaces that have a database in the store's
// directory, open or not, sorted.
func (s *Store) WorkspaceIDs() ([]string, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list workspaces in %s: %w", s.dir, err)
	}
	var ids []string
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, workspaceFileSuffix) {
			continue
		}
		if id := strings.TrimSuffix(name, workspaceFileSuffix); validWorkspaceID(id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// Close closes every workspace: groups of batches being written and queries
// running finish first; batches still queued and later calls fail with
// store.ErrClosed (nothing of them is stored). Closing twice is a no-op.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	ws := s.ws
	s.ws = nil
	s.mu.Unlock()
	var errs []error
	for _, w := range ws {
		if err := w.close(); err != nil {
			errs = append(errs, err)
		}
	}
	s.m.openWorkspaces.Set(0)
	return errors.Join(errs...)
}

func (s *Store) path(id string) string { return filepath.Join(s.dir, id+workspaceFileSuffix) }

func validWorkspaceID(id string) bool {
	if id == "" || len(id) > MaxWorkspaceIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
