package workbook

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"time"

	"wsec/internal/atomicfile"
	"wsec/internal/auth"
)

// Limits of what one workbook and one workspace hold; past them Put refuses
// the workbook.
const (
	maxWorkbooks  = 500      // per workspace: a listing stays one screen of JSON
	maxTiles      = 60       // per workbook: each tile is a query run on every view
	maxQueryBytes = 16 << 10 // per tile, the query API's own bound is larger
	maxTextBytes  = 512      // names, titles, descriptions
)

// OverviewID is the workbook the Overview page shows.
const OverviewID = "overview"

// Workbook is a dashboard of KQL tiles.
type Workbook struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Tiles       []Tile    `json:"tiles"`
	Updated     time.Time `json:"updated,omitzero"`
	UpdatedBy   string    `json:"updatedBy,omitempty"`
	BuiltIn     bool      `json:"builtIn,omitempty"` // the built-in overview, never saved
}

// Tile is one query of a workbook and how it is drawn: Visual overrides the
// query's render operator (timechart, columnchart, barchart, piechart,
// areachart, scatterchart, table); Wide spans the whole row.
type Tile struct {
	Title  string `json:"title"`
	Query  string `json:"query"`
	Visual string `json:"visual,omitempty"`
	Wide   bool   `json:"wide,omitempty"`
}

// Summary is a workbook in a listing.
type Summary struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Tiles       int       `json:"tiles"`
	Updated     time.Time `json:"updated,omitzero"`
	UpdatedBy   string    `json:"updatedBy,omitempty"`
	BuiltIn     bool      `json:"builtIn,omitempty"`
}

var (
	// ErrNotFound: the workspace has no workbook of that ID.
	ErrNotFound = errors.New("workbook not found")
	// ErrInvalid is wrapped by errors for a workbook that can never be
	// stored as sent: the caller's to fix.
	ErrInvalid = errors.New("invalid workbook")
)

type invalidError struct{ err error }

func (e invalidError) Error() string   { return e.err.Error() }
func (e invalidError) Unwrap() []error { return []error{e.err, ErrInvalid} }

func invalidf(format string, a ...any) error { return invalidError{fmt.Errorf(format, a...)} }

// idPattern: workbook IDs appear in URLs and file contents.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

var visuals = []string{"", "table", "timechart", "linechart", "columnchart", "barchart", "piechart", "areachart", "stackedareachart", "scatterchart"}

//go:embed overview.json
var overviewJSON []byte

// Overview is the built-in "Windows security events" workbook.
func Overview() Workbook {
	var wb Workbook
	if err := json.Unmarshal(overviewJSON, &wb); err != nil {
		panic("BUG: overview.json: " + err.Error())
	}
	wb.ID, wb.BuiltIn = OverviewID, true
	return wb
}

// Store holds the workbooks of every workspace under one directory. Safe
// for concurrent use by one process.
type Store struct {
	dir string
	now func() time.Time
	mu  sync.Mutex
}

// Open returns the store kept in dir (created if missing); now nil means
// time.Now.
func Open(dir string, now func() time.Time) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create workbook dir %s: %w", dir, err)
	}
	if now == nil {
		now = time.Now
	}
	return &Store{dir: dir, now: now}, nil
}

func (s *Store) path(ws string) string { return filepath.Join(s.dir, ws+".json") }

func (s *Store) load(ws string) ([]Workbook, error) {
	if _, ok := auth.CanonicalID(ws); !ok || len(ws) != 36 {
		return nil, invalidf("workspace ID %q is not a GUID", ws)
	}
	b, err := os.ReadFile(s.path(ws))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read workbooks of workspace %s: %w", ws, err)
	}
	var wbs []Workbook
	if err := json.Unmarshal(b, &wbs); err != nil {
		return nil, fmt.Errorf("workbook file %s is damaged (%v): restore it from a backup or delete it", s.path(ws), err)
	}
	return wbs, nil
}

func (s *Store) save(ws string, wbs []Workbook) error {
	b, err := json.MarshalIndent(wbs, "", "  ")
	if err != nil {
		return fmt.Errorf("encode workbooks: %w", err)
	}
	return atomicfile.WriteFile(s.path(ws), append(b, '\n'), 0o600)
}

// List returns the workspace's workbooks by name, the overview first.
func (s *Store) List(ws string) ([]Summary, error) {
	s.mu.Lock()
	wbs, err := s.load(ws)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(wbs, func(w Workbook) bool { return w.ID == OverviewID }) {
		wbs = append(wbs, Overview())
	}
	slices.SortFunc(wbs, func(a, b Workbook) int {
		switch {
		case a.ID == OverviewID:
			return -1
		case b.ID == OverviewID:
			return 1
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	out := make([]Summary, len(wbs))
	for i, w := range wbs {
		out[i] = Summary{ID: w.ID, Name: w.Name, Description: w.Description, Tiles: len(w.Tiles), Updated: w.Updated, UpdatedBy: w.UpdatedBy, BuiltIn: w.BuiltIn}
	}
	return out, nil
}

// Get returns one workbook.
func (s *Store) Get(ws, id string) (Workbook, error) {
	s.mu.Lock()
	wbs, err := s.load(ws)
	s.mu.Unlock()
	if err != nil {
		return Workbook{}, err
	}
	if i := slices.IndexFunc(wbs, func(w Workbook) bool { return w.ID == id }); i >= 0 {
		return wbs[i], nil
	}
	if id == OverviewID {
		return Overview(), nil
	}
	return Workbook{}, fmt.Errorf("%w: %q", ErrNotFound, id)
}

func check(wb Workbook) error {
	if !idPattern.MatchString(wb.ID) {
		return invalidf("workbook ID %q: use 1-64 lower-case letters, digits or '-', starting with a letter or digit", wb.ID)
	}
	if wb.Name == "" || len(wb.Name) > maxTextBytes || len(wb.Description) > maxTextBytes {
		return invalidf("workbook %s: the name must be 1-%d bytes and the description at most %d", wb.ID, maxTextBytes, maxTextBytes)
	}
	if len(wb.Tiles) > maxTiles {
		return invalidf("workbook %s has %d tiles, more than the %d allowed: split it in two", wb.ID, len(wb.Tiles), maxTiles)
	}
	for i, t := range wb.Tiles {
		switch {
		case t.Query == "":
			return invalidf("workbook %s tile %d (%q) has no query", wb.ID, i+1, t.Title)
		case len(t.Query) > maxQueryBytes:
			return invalidf("workbook %s tile %d (%q): the query is %d bytes, more than the %d allowed", wb.ID, i+1, t.Title, len(t.Query), maxQueryBytes)
		case len(t.Title) > maxTextBytes:
			return invalidf("workbook %s tile %d: the title is over %d bytes", wb.ID, i+1, maxTextBytes)
		case !slices.Contains(visuals, t.Visual):
			return invalidf("workbook %s tile %d (%q): visual %q is not one of %v", wb.ID, i+1, t.Title, t.Visual, visuals[1:])
		}
	}
	return nil
}

// Put creates or replaces a workbook; by is recorded as its last editor.
func (s *Store) Put(ws string, wb Workbook, by string) (Workbook, error) {
	wb.BuiltIn = false
	if wb.Tiles == nil {
		wb.Tiles = []Tile{}
	}
	if err := check(wb); err != nil {
		return Workbook{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wbs, err := s.load(ws)
	if err != nil {
		return Workbook{}, err
	}
	wb.Updated, wb.UpdatedBy = s.now().UTC(), by
	if i := slices.IndexFunc(wbs, func(w Workbook) bool { return w.ID == wb.ID }); i >= 0 {
		wbs[i] = wb
	} else {
		if len(wbs) >= maxWorkbooks {
			return Workbook{}, invalidf("the workspace has %d workbooks, the most allowed: delete one first", len(wbs))
		}
		wbs = append(wbs, wb)
	}
	if err := s.save(ws, wbs); err != nil {
		return Workbook{}, err
	}
	return wb, nil
}

// Delete removes a workbook. Deleting the overview restores the built-in
// one; deleting it when it is built in is ErrNotFound.
func (s *Store) Delete(ws, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	wbs, err := s.load(ws)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(wbs, func(w Workbook) bool { return w.ID == id })
	if i < 0 {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return s.save(ws, slices.Delete(wbs, i, i+1))
}

// decode reads a workbook body strictly: an unknown field is most likely a
// misspelt one, which would otherwise be dropped without a word.
func decode(b []byte) (Workbook, error) {
	var wb Workbook
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&wb); err != nil {
		return wb, invalidf(`the body is not a workbook (want {"name":"..","tiles":[{"title":"..","query":".."}]}): %v`, err)
	}
	return wb, nil
}
