package auth

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"wsec/internal/atomicfile"
)

// ErrNotFound is returned for a workspace ID the registry does not hold.
var ErrNotFound = errors.New("workspace not found")

// Options configure a Registry. The zero value is valid.
type Options struct {
	// Rand is the source of IDs and keys. nil: crypto/rand.Reader.
	Rand io.Reader
	// Now is the clock (creation and rotation times, reload checks).
	// nil: time.Now.
	Now func() time.Time
	// Logger receives reloads and changes. nil: no logging.
	Logger *slog.Logger
}

// Registry holds the workspaces of one data directory. It is safe for
// concurrent use, and for use by several processes on one directory (Unix):
// changes are serialised by a lock file and each change re-reads the file
// first, so no process overwrites another's change.
type Registry struct {
	dir  string
	rand io.Reader
	now  func() time.Time
	log  *slog.Logger

	// mu guards everything below. Lookup takes it for reading, except when
	// a reload check is due.
	mu        sync.RWMutex
	byID      map[string]Workspace
	loaded    os.FileInfo // the file as last loaded; nil when absent
	nextCheck time.Time   // Lookup re-stats the file after this instant
}

type registryFile struct {
	Version    int         `json:"version"`
	Workspaces []Workspace `json:"workspaces"`
}

const registryFileVersion = 1

// Open loads the registry kept in dir, creating dir (mode 0700) if needed.
// A missing file is an empty registry.
func Open(dir string, opts Options) (*Registry, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create registry dir %s: %w", dir, err)
	}
	r := &Registry{dir: dir, rand: opts.Rand, now: opts.Now, log: opts.Logger}
	if r.rand == nil {
		r.rand = rand.Reader
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.loadLocked(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Registry) path() string { return filepath.Join(r.dir, registryFileName) }

// loadLocked reads the file into memory. r.mu must be held for writing.
func (r *Registry) loadLocked() error {
	p := r.path()
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		r.byID, r.loaded = map[string]Workspace{}, nil
		r.nextCheck = r.now().Add(ReloadInterval)
		return nil
	}
	if err != nil {
		return fmt.Errorf("open registry %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat registry %s: %w", p, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxRegistryFileBytes+1))
	if err != nil {
		return fmt.Errorf("read registry %s: %w", p, err)
	}
	if len(data) > MaxRegistryFileBytes {
		return fmt.Errorf("read registry %s: larger than %d bytes", p, MaxRegistryFileBytes)
	}
	byID, err := parseRegistry(data)
	if err != nil {
		return fmt.Errorf("parse registry %s: %w", p, err)
	}
	r.byID, r.loaded = byID, fi
	r.nextCheck = r.now().Add(ReloadInterval)
	return nil
}

func parseRegistry(data []byte) (map[string]Workspace, error) {
	var rf registryFile
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&rf); err != nil {
		return nil, err
	}
	if rf.Version != registryFileVersion {
		return nil, fmt.Errorf("version %d, this build reads version %d", rf.Version, registryFileVersion)
	}
	if len(rf.Workspaces) > MaxWorkspaces {
		return nil, fmt.Errorf("%d workspaces, more than the limit %d", len(rf.Workspaces), MaxWorkspaces)
	}
	byID := make(map[string]Workspace, len(rf.Workspaces))
	for i, w := range rf.Workspaces {
		id, ok := CanonicalID(w.ID)
		if !ok {
			return nil, fmt.Errorf("workspace %d: id %q is not a GUID", i, w.ID)
		}
		w.ID = id
		for _, k := range [...]struct{ kind, key string }{{"primary", w.PrimaryKey}, {"secondary", w.SecondaryKey}} {
			if b, err := base64.StdEncoding.DecodeString(k.key); err != nil || len(b) == 0 {
				return nil, fmt.Errorf("workspace %s: %s key is not base64", id, k.kind)
			}
		}
		if _, dup := byID[id]; dup {
			return nil, fmt.Errorf("workspace %s listed twice", id)
		}
		byID[id] = w
	}
	return byID, nil
}

// reloadIfChangedLocked re-reads the file when it differs from the one
// loaded. r.mu must be held for writing.
func (r *Registry) reloadIfChangedLocked() error {
	fi, err := os.Stat(r.path())
	switch {
	case errors.Is(err, os.ErrNotExist):
		if r.loaded == nil {
			r.nextCheck = r.now().Add(ReloadInterval)
			return nil
		}
	case err != nil:
		return fmt.Errorf("stat registry %s: %w", r.path(), err)
	case r.loaded != nil && os.SameFile(fi, r.loaded) && fi.Size() == r.loaded.Size() &&
		fi.ModTime().Equal(r.loaded.ModTime()):
		r.nextCheck = r.now().Add(ReloadInterval)
		return nil
	}
	if err := r.loadLocked(); err != nil {
		return err
	}
	r.log.Info("workspace registry reloaded", "path", r.path(), "workspaces", len(r.byID))
	return nil
}

// Lookup returns the workspace with the given ID (any case, braces
// allowed). At most every ReloadInterval it first checks whether another
// process changed the file; if re-reading fails it keeps serving what it
// has and logs the error.
func (r *Registry) Lookup(id string) (Workspace, bool) {
	id, ok := CanonicalID(id)
	if !ok {
		return Workspace{}, false
	}
	r.reloadIfDue()
	r.mu.RLock()
	defer r.mu.RUnlock()
	w, ok := r.byID[id]
	return w, ok
}

// reloadIfDue re-reads the file if ReloadInterval passed since the last
// check and the file changed.
func (r *Registry) reloadIfDue() {
	r.mu.RLock()
	due := !r.now().Before(r.nextCheck)
	r.mu.RUnlock()
	if !due {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.now().Before(r.nextCheck) {
		return // another goroutine checked meanwhile
	}
	if err := r.reloadIfChangedLocked(); err != nil {
		r.log.Error("workspace registry reload failed; serving the keys loaded before", "path", r.path(), "err", err)
		r.nextCheck = r.now().Add(ReloadInterval)
	}
}

// List returns all workspaces, oldest first.
func (r *Registry) List() []Workspace {
	r.reloadIfDue()
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Workspace, 0, len(r.byID))
	for _, w := range r.byID {
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b Workspace) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// Create adds a workspace with a fresh ID and two fresh keys, and returns
// it once it is durable.
func (r *Registry) Create(name string) (Workspace, error) {
	if err := validName(name); err != nil {
		return Workspace{}, fmt.Errorf("create workspace: %w", err)
	}
	var created Workspace
	err := r.change(func(byID map[string]Workspace) error {
		if len(byID) >= MaxWorkspaces {
			return fmt.Errorf("create workspace %q: the registry holds the maximum of %d workspaces", name, MaxWorkspaces)
		}
		for _, w := range byID {
			if w.Name == name {
				return fmt.Errorf("create workspace %q: a workspace with this name exists (id %s)", name, w.ID)
			}
		}
		id, err := newGUID(r.rand)
		if err != nil {
			return fmt.Errorf("create workspace %q: %w", name, err)
		}
		p, err := newKey(r.rand)
		if err != nil {
			return fmt.Errorf("create workspace %q: %w", name, err)
		}
		s, err := newKey(r.rand)
		if err != nil {
			return fmt.Errorf("create workspace %q: %w", name, err)
		}
		created = Workspace{ID: id, Name: name, PrimaryKey: p, SecondaryKey: s, Created: r.now().UTC()}
		byID[id] = created
		return nil
	})
	if err != nil {
		return Workspace{}, err
	}
	r.log.Info("workspace created", "workspace", created.ID, "name", name)
	return created, nil
}

// RotateKey replaces one key of a workspace with a fresh one and returns the
// workspace once the change is durable. The other key stays valid
// throughout, which is what makes rotation free of downtime: move clients
// to the other key, rotate this one, move them back if wanted.
func (r *Registry) RotateKey(id string, which KeyKind) (Workspace, error) {
	cid, ok := CanonicalID(id)
	if !ok {
		return Workspace{}, fmt.Errorf("rotate key of workspace %q: not a GUID", id)
	}
	if which != Primary && which != Secondary {
		return Workspace{}, fmt.Errorf("rotate key of workspace %s: key kind %q, want primary or secondary", cid, which)
	}
	var rotated Workspace
	err := r.change(func(byID map[string]Workspace) error {
		w, ok := byID[cid]
		if !ok {
			return fmt.Errorf("rotate %s key of workspace %s: %w", which, cid, ErrNotFound)
		}
		k, err := newKey(r.rand)
		if err != nil {
			return fmt.Errorf("rotate %s key of workspace %s: %w", which, cid, err)
		}
		now := r.now().UTC()
		if which == Primary {
			w.PrimaryKey, w.PrimaryRotated = k, now
		} else {
			w.SecondaryKey, w.SecondaryRotated = k, now
		}
		byID[cid] = w
		rotated = w
		return nil
	})
	if err != nil {
		return Workspace{}, err
	}
	r.log.Info("workspace key rotated", "workspace", cid, "key", string(which))
	return rotated, nil
}

// change applies fn to the current registry (re-read under the file lock,
// so changes by other processes are kept) and writes the result durably
// before publishing it in memory.
func (r *Registry) change(fn func(map[string]Workspace) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	unlock, err := atomicfile.Lock(filepath.Join(r.dir, lockFileName))
	if err != nil {
		return err
	}
	defer unlock()
	if err := r.reloadIfChangedLocked(); err != nil {
		return err
	}
	next := make(map[string]Workspace, len(r.byID)+1)
	for id, w := range r.byID {
		next[id] = w
	}
	if err := fn(next); err != nil {
		return err
	}
	rf := registryFile{Version: registryFileVersion, Workspaces: make([]Workspace, 0, len(next))}
	for _, w := range next {
		rf.Workspaces = append(rf.Workspaces, w)
	}
	slices.SortFunc(rf.Workspaces, func(a, b Workspace) int { return cmp.Compare(a.ID, b.ID) })
	data, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		return fmt.Errorf("encode registry: %w", err)
	}
	if err := atomicfile.WriteFile(r.path(), append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write registry: %w", err)
	}
	fi, err := os.Stat(r.path())
	if err != nil {
		return fmt.Errorf("stat registry %s: %w", r.path(), err)
	}
	r.byID, r.loaded = next, fi
	r.nextCheck = r.now().Add(ReloadInterval)
	return nil
}

func validName(name string) error {
	switch {
	case name == "":
		return errors.New("name is empty")
	case len(name) > MaxNameBytes:
		return fmt.Errorf("name is %d bytes, more than %d", len(name), MaxNameBytes)
	case !utf8.ValidString(name):
		return errors.New("name is not valid UTF-8")
	}
	for _, c := range name {
		if unicode.IsControl(c) {
			return fmt.Errorf("name %q contains a control character", name)
		}
	}
	return nil
}
