package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"wsec/internal/atomicfile"
	"wsec/internal/server"
)

// PathRetention is the retention API of a workspace.
const PathRetention = "/v1/workspaces/{id}/retention"

// Limits of the retention settings.
const (
	// MaxRetentionDays is the longest retention a table can be given, as
	// in Log Analytics (12 years); the stores cap theirs there too.
	MaxRetentionDays = 4383
	// MaxRetentionTables bounds the tables a workspace sets retention for.
	MaxRetentionTables = 1000
)

// tableName is what a KQL table name (built-in or custom _CL) looks like.
var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

// Retention holds the workspaces' own retention per table (in days),
// which the stores ask on every retention pass (storeopen.Options.
// WorkspaceRetention). A table not named keeps the server's default.
// It lives in one JSON file replaced atomically on every change.
type Retention struct {
	path string
	mu   sync.Mutex
	byWS map[string]map[string]int
}

// OpenRetention reads dir/retention.json (none yet: no workspace has its
// own retention).
func OpenRetention(dir string) (*Retention, error) {
	r := &Retention{path: filepath.Join(dir, "retention.json"), byWS: map[string]map[string]int{}}
	b, err := os.ReadFile(r.path)
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read retention settings: %w", err)
	}
	if err := json.Unmarshal(b, &r.byWS); err != nil {
		return nil, fmt.Errorf("read retention settings %s: %w (fix or remove the file; tables then keep the default retention)", r.path, err)
	}
	return r, nil
}

// Days returns the retention per table workspace ws has set (a copy).
func (r *Retention) Days(ws string) map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.byWS[ws]))
	for t, d := range r.byWS[ws] {
		out[t] = d
	}
	return out
}

// Set replaces the retention per table of workspace ws after checking
// every entry; it returns once the change is durable.
func (r *Retention) Set(ws string, days map[string]int) error {
	if len(days) > MaxRetentionTables {
		return fmt.Errorf("retention is set for %d tables; at most %d", len(days), MaxRetentionTables)
	}
	for t, d := range days {
		if !tableName.MatchString(t) {
			return fmt.Errorf("retention of %q: not a table name (letters, digits and _)", t)
		}
		if d < 1 || d > MaxRetentionDays {
			return fmt.Errorf("retention of %s: %d days; give 1 to %d days, or leave the table out for the default", t, d, MaxRetentionDays)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	next := make(map[string]map[string]int, len(r.byWS)+1)
	for k, v := range r.byWS {
		next[k] = v
	}
	if len(days) == 0 {
		delete(next, ws)
	} else {
		next[ws] = days
	}
	b, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(r.path), 0o700); err != nil {
		return fmt.Errorf("save retention settings: %w", err)
	}
	if err := atomicfile.WriteFile(r.path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("save retention settings: %w", err)
	}
	r.byWS = next
	return nil
}

// RetentionBody is the answer of GET and PUT .../retention; PUT takes
// Tables only.
type RetentionBody struct {
	DefaultDays int            `json:"defaultDays"`
	MaxDays     int            `json:"maxDays"`
	Tables      map[string]int `json:"tables"`
}

func (rt Routes) retentionBody(ws string) RetentionBody {
	return RetentionBody{DefaultDays: rt.DefaultRetentionDays, MaxDays: MaxRetentionDays, Tables: rt.Retention.Days(ws)}
}

func (rt Routes) getRetention(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := rt.authorize(w, r)
	if ok {
		server.WriteJSON(w, http.StatusOK, rt.retentionBody(ws))
	}
}

func (rt Routes) putRetention(w http.ResponseWriter, r *http.Request) {
	ws, body, ok := rt.authorize(w, r)
	if !ok {
		return
	}
	var in struct {
		Tables map[string]int `json:"tables"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", `the body is not {"tables":{"<table>":<days>}}: `+err.Error())
		return
	}
	if err := rt.Retention.Set(ws, in.Tables); err != nil {
		server.WriteError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	}
	server.WriteJSON(w, http.StatusOK, rt.retentionBody(ws))
}
