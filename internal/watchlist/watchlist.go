// Package watchlist stores a workspace's watchlists: CSV files an analyst
// uploads (wsec watchlist add) and queries read with _GetWatchlist('alias'),
// as in Microsoft Sentinel. They live as files in the server's data
// directory (watchlists/<workspace>/<alias>.csv and .json) rather than as
// store tables, because they are small, replaced whole, and deleted, which
// an append-only event store does not do.
//
// What is promised: an upload is validated (alias, header, search key,
// size) before anything is written, and replaces the previous one
// atomically; readers see the old or the new list, never a mix.
package watchlist

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"wsec/internal/atomicfile"
	"wsec/internal/kql"
)

// MaxBytes bounds an uploaded CSV (Sentinel's limit for a local upload).
const MaxBytes = 3 << 20

var (
	aliasRE     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	workspaceRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
)

// ErrNotFound is returned for a watchlist that does not exist.
var ErrNotFound = errors.New("watchlist not found")

// Store keeps watchlists under a directory.
type Store struct{ dir string }

// Open returns the store of the data directory dataDir.
func Open(dataDir string) *Store { return &Store{dir: filepath.Join(dataDir, "watchlists")} }

// Info describes a stored watchlist.
type Info struct {
	Alias     string    `json:"alias"`
	SearchKey string    `json:"searchKey"`
	Columns   []string  `json:"columns"`
	Rows      int       `json:"rows"`
	Updated   time.Time `json:"updated"`
}

func (s *Store) paths(ws, alias string) (csvPath, metaPath string, err error) {
	if !workspaceRE.MatchString(ws) {
		return "", "", fmt.Errorf("invalid workspace ID %q", ws)
	}
	if !aliasRE.MatchString(alias) {
		return "", "", fmt.Errorf("invalid watchlist alias %q: use 1 to 64 letters, digits, '_' or '-'", alias)
	}
	base := filepath.Join(s.dir, ws, alias)
	return base + ".csv", base + ".json", nil
}

// Add stores (or replaces) watchlist alias of workspace ws from CSV data
// whose first record is the header; searchKey names the column
// _GetWatchlist returns as SearchKey.
func (s *Store) Add(ws, alias, searchKey string, data io.Reader, now time.Time) (Info, error) {
	csvPath, metaPath, err := s.paths(ws, alias)
	if err != nil {
		return Info{}, err
	}
	b, err := io.ReadAll(io.LimitReader(data, MaxBytes+1))
	if err != nil {
		return Info{}, err
	}
	if len(b) > MaxBytes {
		return Info{}, fmt.Errorf("watchlist is larger than %d bytes; split it or trim columns", MaxBytes)
	}
	header, rows, err := parse(b)
	if err != nil {
		return Info{}, err
	}
	found := false
	for _, h := range header {
		found = found || h == searchKey
	}
	if !found {
		return Info{}, fmt.Errorf("search key %q is not a column of the CSV header (%s)", searchKey, strings.Join(header, ", "))
	}
	info := Info{Alias: alias, SearchKey: searchKey, Columns: header, Rows: len(rows), Updated: now.UTC()}
	meta, err := json.Marshal(info)
	if err != nil {
		return Info{}, err
	}
	if err := os.MkdirAll(filepath.Dir(csvPath), 0o700); err != nil {
		return Info{}, err
	}
	// The CSV first: a reader pairs the new meta only with the new CSV.
	if err := atomicfile.WriteFile(csvPath, b, 0o600); err != nil {
		return Info{}, err
	}
	return info, atomicfile.WriteFile(metaPath, meta, 0o600)
}

func parse(b []byte) ([]string, [][]string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	// Its metadata (JSON) would hold other column names than the CSV.
	if !utf8.Valid(b) {
		return nil, nil, errors.New("watchlist CSV is not UTF-8 text: save it as UTF-8")
	}
	r := csv.NewReader(bytes.NewReader(b))
	recs, err := r.ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("watchlist CSV: %w", err)
	}
	if len(recs) == 0 {
		return nil, nil, errors.New("watchlist CSV is empty: the first line must be the header")
	}
	header := recs[0]
	seen := map[string]bool{}
	for _, h := range header {
		if h == "" || seen[h] {
			return nil, nil, fmt.Errorf("watchlist CSV header has an empty or repeated column name %q", h)
		}
		seen[h] = true
	}
	if len(recs)-1 > kql.MaxExternalRows {
		return nil, nil, fmt.Errorf("watchlist has more than %d rows", kql.MaxExternalRows)
	}
	return header, recs[1:], nil
}

// Get returns watchlist alias of workspace ws as queries read it.
func (s *Store) Get(ws, alias string) (*kql.Watchlist, error) {
	csvPath, metaPath, err := s.paths(ws, alias)
	if err != nil {
		return nil, err
	}
	var info Info
	mb, err := os.ReadFile(metaPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %q (wsec watchlist list shows the workspace's watchlists)", ErrNotFound, alias)
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(mb, &info); err != nil {
		return nil, fmt.Errorf("watchlist %s: %w", alias, err)
	}
	b, err := os.ReadFile(csvPath)
	if err != nil {
		return nil, err
	}
	header, rows, err := parse(b)
	if err != nil {
		return nil, err
	}
	return &kql.Watchlist{Alias: alias, SearchKey: info.SearchKey, Header: header, Rows: rows, Updated: info.Updated}, nil
}

// List returns the watchlists of workspace ws, sorted by alias.
func (s *Store) List(ws string) ([]Info, error) {
	if !workspaceRE.MatchString(ws) {
		return nil, fmt.Errorf("invalid workspace ID %q", ws)
	}
	metas, err := filepath.Glob(filepath.Join(s.dir, ws, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, m := range metas {
		b, err := os.ReadFile(m)
		if err != nil {
			return nil, err
		}
		var info Info
		if err := json.Unmarshal(b, &info); err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Alias < out[j].Alias })
	return out, nil
}

// Delete removes watchlist alias of workspace ws.
func (s *Store) Delete(ws, alias string) error {
	csvPath, metaPath, err := s.paths(ws, alias)
	if err != nil {
		return err
	}
	if err := os.Remove(metaPath); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %q", ErrNotFound, alias)
	} else if err != nil {
		return err
	}
	if err := os.Remove(csvPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
