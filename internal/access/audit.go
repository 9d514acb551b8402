package access

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// AuditEntry is one change made by a user, a token or the CLI.
type AuditEntry struct {
	Time time.Time `json:"time"`
	// User is who made the change; "cli" for the local command line,
	// which acts with the data directory's file permissions.
	User string `json:"user"`
	// Via is how the user was authenticated: session, token:<id> or cli.
	Via string `json:"via"`
	// Workspace is the workspace changed; "" for changes of no single
	// workspace (a user without roles).
	Workspace string `json:"workspace,omitempty"`
	// Action is the route ("PUT /v1/workspaces/{id}/rules/{name}") or a
	// named action (user.add, user.delete, user.roles, token.create,
	// token.revoke).
	Action string `json:"action"`
	// Target is what was changed: the request path, a user or token.
	Target string `json:"target,omitempty"`
	// Status is the HTTP status of the change (0 for the CLI).
	Status int `json:"status,omitempty"`
}

// Audit is the append-only audit log of a data directory (audit.jsonl, one
// JSON object a line). Record returns once the entry is on disk.
type Audit struct {
	path string
	mu   sync.Mutex
}

// OpenAudit returns the audit log kept in the data directory dir.
func OpenAudit(dir string) *Audit { return &Audit{path: filepath.Join(dir, auditFileName)} }

// Record appends e durably. Lines are written whole with O_APPEND, so the
// server and the CLI may record at once.
func (a *Audit) Record(e AuditEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode audit entry: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	f, err := os.OpenFile(a.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open audit log: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		_ = f.Close()
		return fmt.Errorf("append to audit log %s: %w", a.path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("fsync audit log %s: %w", a.path, err)
	}
	return f.Close()
}

// RecordAll records e once per workspace of spaces (once with no
// workspace when spaces is empty).
func (a *Audit) RecordAll(e AuditEntry, spaces []string) error {
	if len(spaces) == 0 {
		spaces = []string{""}
	}
	for _, ws := range spaces {
		e.Workspace = ws
		if err := a.Record(e); err != nil {
			return err
		}
	}
	return nil
}

// Query returns the newest entries (at most limit, newest first) of
// workspace, including changes of no single workspace, at or after since.
// A damaged line is skipped: one bad line must not hide the rest.
func (a *Audit) Query(workspace string, since time.Time, limit int) ([]AuditEntry, error) {
	f, err := os.Open(a.path)
	if errors.Is(err, os.ErrNotExist) {
		return []AuditEntry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	defer f.Close()
	var ring []AuditEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e AuditEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		if (e.Workspace != workspace && e.Workspace != "") || e.Time.Before(since) {
			continue
		}
		if len(ring) == limit {
			ring = ring[1:]
		}
		ring = append(ring, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read audit log %s: %w", a.path, err)
	}
	slices.Reverse(ring)
	return ring, nil
}
