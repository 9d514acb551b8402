package dcr

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"sync"
	"time"

	"wsec/internal/atomicfile"
	"wsec/internal/auth"
)

// Rule is one data collection rule.
type Rule struct {
	Name         string    `json:"name"`
	Description  string    `json:"description,omitempty"`
	EventSet     string    `json:"eventSet"`               // All, Common, Minimal or None
	XPathQueries []string  `json:"xpathQueries,omitempty"` // "Channel!XPath"
	Groups       []string  `json:"groups,omitempty"`       // machine groups the rule is assigned to
	Updated      time.Time `json:"updated"`
}

// ErrNotFound is returned for a rule name the workspace does not have.
var ErrNotFound = errors.New("data collection rule not found")

// ErrInvalid is wrapped by the errors for a rule, rule name, group name or
// workspace ID that can never be stored: the caller's to fix. Every other
// error of a Store (reading or writing its files) is the server's.
var ErrInvalid = errors.New("invalid data collection rule")

// invalidError carries a message of its own and matches ErrInvalid.
type invalidError struct{ err error }

func (e invalidError) Error() string   { return e.err.Error() }
func (e invalidError) Unwrap() []error { return []error{e.err, ErrInvalid} }

func invalidf(format string, a ...any) error { return invalidError{fmt.Errorf(format, a...)} }

// Validator checks that a rule's set and queries compile; the filter package
// provides it (kept out of this package so it stays a plain store).
type Validator func(r Rule) error

// namePattern: rule and group names appear in URLs and agent logs.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Store holds the rules of every workspace under one directory. Safe for
// concurrent use by one process.
type Store struct {
	dir      string
	validate Validator
	now      func() time.Time
	mu       sync.Mutex
}

// Open returns the store kept in dir (created if missing). validate may be
// nil (no validation beyond names); now nil means time.Now.
func Open(dir string, validate Validator, now func() time.Time) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create rule dir %s: %w", dir, err)
	}
	if now == nil {
		now = time.Now
	}
	return &Store{dir: dir, validate: validate, now: now}, nil
}

func (s *Store) path(workspace string) string { return filepath.Join(s.dir, workspace+".json") }

func (s *Store) load(workspace string) ([]Rule, error) {
	// Workspace IDs name files, so only bare GUIDs (no braces) are accepted.
	if _, ok := auth.CanonicalID(workspace); !ok || len(workspace) != 36 {
		return nil, invalidf("workspace ID %q is not a GUID", workspace)
	}
	b, err := os.ReadFile(s.path(workspace))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read rules of workspace %s: %w", workspace, err)
	}
	var rules []Rule
	if err := json.Unmarshal(b, &rules); err != nil {
		return nil, fmt.Errorf("parse rules of workspace %s in %s: %w", workspace, s.path(workspace), err)
	}
	return rules, nil
}

func (s *Store) save(workspace string, rules []Rule) error {
	sort.Slice(rules, func(i, j int) bool { return rules[i].Name < rules[j].Name })
	b, err := json.MarshalIndent(rules, "", "  ")
	if err != nil {
		return fmt.Errorf("encode rules: %w", err)
	}
	return atomicfile.WriteFile(s.path(workspace), b, 0o600)
}

// Put creates or replaces a rule (keeping its group assignments when r.Groups
// is nil).
func (s *Store) Put(workspace string, r Rule) (Rule, error) {
	if !namePattern.MatchString(r.Name) {
		return Rule{}, invalidf("rule name %q: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", r.Name)
	}
	for _, g := range r.Groups {
		if !namePattern.MatchString(g) {
			return Rule{}, invalidf("group name %q: use 1-64 letters, digits, '.', '_' or '-'", g)
		}
	}
	if s.validate != nil {
		if err := s.validate(r); err != nil {
			return Rule{}, invalidf("rule %s: %w", r.Name, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rules, err := s.load(workspace)
	if err != nil {
		return Rule{}, err
	}
	r.Updated = s.now().UTC()
	i := slices.IndexFunc(rules, func(x Rule) bool { return x.Name == r.Name })
	if i >= 0 {
		if r.Groups == nil {
			r.Groups = rules[i].Groups
		}
		rules[i] = r
	} else {
		rules = append(rules, r)
	}
	return r, s.save(workspace, rules)
}

// Assign adds group to the rule's groups (idempotent).
func (s *Store) Assign(workspace, name, group string) (Rule, error) {
	if !namePattern.MatchString(group) {
		return Rule{}, invalidf("group name %q: use 1-64 letters, digits, '.', '_' or '-'", group)
	}
	return s.update(workspace, name, func(r *Rule) {
		if !slices.Contains(r.Groups, group) {
			r.Groups = append(r.Groups, group)
			sort.Strings(r.Groups)
		}
	})
}

// Unassign removes group from the rule's groups.
func (s *Store) Unassign(workspace, name, group string) (Rule, error) {
	return s.update(workspace, name, func(r *Rule) {
		r.Groups = slices.DeleteFunc(r.Groups, func(g string) bool { return g == group })
	})
}

func (s *Store) update(workspace, name string, f func(*Rule)) (Rule, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rules, err := s.load(workspace)
	if err != nil {
		return Rule{}, err
	}
	i := slices.IndexFunc(rules, func(x Rule) bool { return x.Name == name })
	if i < 0 {
		return Rule{}, fmt.Errorf("rule %q in workspace %s: %w (list them with 'wsec dcr list')", name, workspace, ErrNotFound)
	}
	f(&rules[i])
	rules[i].Updated = s.now().UTC()
	return rules[i], s.save(workspace, rules)
}

// Delete removes a rule.
func (s *Store) Delete(workspace, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rules, err := s.load(workspace)
	if err != nil {
		return err
	}
	n := len(rules)
	rules = slices.DeleteFunc(rules, func(x Rule) bool { return x.Name == name })
	if len(rules) == n {
		return fmt.Errorf("rule %q in workspace %s: %w", name, workspace, ErrNotFound)
	}
	return s.save(workspace, rules)
}

// List returns the workspace's rules sorted by name.
func (s *Store) List(workspace string) ([]Rule, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.load(workspace)
}

// ForGroups returns the rules assigned to any of groups, sorted by name, and
// an ETag of that answer.
func (s *Store) ForGroups(workspace string, groups []string) ([]Rule, string, error) {
	all, err := s.List(workspace)
	if err != nil {
		return nil, "", err
	}
	var out []Rule
	for _, r := range all {
		if slices.ContainsFunc(r.Groups, func(g string) bool { return slices.Contains(groups, g) }) {
			out = append(out, r)
		}
	}
	b, _ := json.Marshal(out) // Rule always marshals
	sum := sha256.Sum256(b)
	return out, `"` + hex.EncodeToString(sum[:8]) + `"`, nil
}
