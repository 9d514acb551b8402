package access

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"time"

	"wsec/internal/atomicfile"
	"wsec/internal/auth"
)

// On-disk names inside the data directory.
const (
	accessFileName = "access.json"
	accessLockName = "access.lock"
	auditFileName  = "audit.jsonl"
)

// ErrNoUser and ErrNoToken are returned for a name or ID the store does
// not hold.
var (
	ErrNoUser  = errors.New("no such user")
	ErrNoToken = errors.New("no such token")
)

// User is a local account.
type User struct {
	Name         string `json:"name"`
	PasswordHash string `json:"passwordHash"`
	// Roles maps canonical workspace IDs to the user's role there; a
	// workspace not listed is not visible to the user.
	Roles   map[string]Role `json:"roles,omitempty"`
	Created time.Time       `json:"created"`
}

// Token is an API token; the secret itself is not stored.
type Token struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	User      string    `json:"user"`
	Workspace string    `json:"workspace"`
	Role      Role      `json:"role"`
	Hash      string    `json:"hash"`
	Created   time.Time `json:"created"`
	// Expires is when the token stops working; zero: never.
	Expires time.Time `json:"expires,omitzero"`
}

type accessFile struct {
	Version int     `json:"version"`
	Users   []User  `json:"users"`
	Tokens  []Token `json:"tokens"`
}

const accessFileVersion = 1

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// Options configure a Store. The zero value is valid.
type Options struct {
	// Rand is the source of salts, tokens and session IDs. nil: crypto/rand.
	Rand io.Reader
	// Now is the clock. nil: time.Now.
	Now func() time.Time
	// Logger receives changes and reloads. nil: no logging.
	Logger *slog.Logger
	// Cost is the argon2id cost of new password hashes. Zero:
	// DefaultPasswordCost.
	Cost PasswordCost
}

// Store holds the users and tokens of one data directory. It is safe for
// concurrent use and for several processes (server and CLI) on one
// directory: a change takes a file lock and re-reads the file first, and
// readers notice another process's change within ReloadInterval.
type Store struct {
	dir  string
	rand io.Reader
	now  func() time.Time
	log  *slog.Logger
	cost PasswordCost
	// dummyHash is checked when a login names no user, so that a wrong
	// name costs as much time as a wrong password.
	dummyHash string

	mu        sync.RWMutex
	users     map[string]User
	tokens    map[string]Token // by ID
	loaded    os.FileInfo
	nextCheck time.Time
}

// Open loads the access file of the data directory dir (missing: no users).
func Open(dir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	s := &Store{dir: dir, rand: opts.Rand, now: opts.Now, log: opts.Logger, cost: opts.Cost}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.cost == (PasswordCost{}) {
		s.cost = DefaultPasswordCost
	}
	var err error
	if s.dummyHash, err = hashPassword("dummy password", s.cost, s.rand); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadLocked(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) path() string { return filepath.Join(s.dir, accessFileName) }

func (s *Store) loadLocked() error {
	p := s.path()
	s.nextCheck = s.now().Add(ReloadInterval)
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		s.users, s.tokens, s.loaded = map[string]User{}, map[string]Token{}, nil
		return nil
	}
	if err != nil {
		return fmt.Errorf("open access file %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat access file %s: %w", p, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxAccessFileBytes+1))
	if err != nil {
		return fmt.Errorf("read access file %s: %w", p, err)
	}
	if len(data) > MaxAccessFileBytes {
		return fmt.Errorf("read access file %s: larger than %d bytes", p, MaxAccessFileBytes)
	}
	users, tokens, err := parseAccessFile(data)
	if err != nil {
		return fmt.Errorf("parse access file %s: %w (restore it from a backup, or fix the entry named)", p, err)
	}
	s.users, s.tokens, s.loaded = users, tokens, fi
	return nil
}

func parseAccessFile(data []byte) (map[string]User, map[string]Token, error) {
	var af accessFile
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&af); err != nil {
		return nil, nil, err
	}
	if af.Version != accessFileVersion {
		return nil, nil, fmt.Errorf("version %d, this build reads version %d", af.Version, accessFileVersion)
	}
	users := make(map[string]User, len(af.Users))
	for _, u := range af.Users {
		if !namePattern.MatchString(u.Name) {
			return nil, nil, fmt.Errorf("user name %q is not valid", u.Name)
		}
		if _, err := parseHash(u.PasswordHash); err != nil {
			return nil, nil, fmt.Errorf("user %s: password hash: %w", u.Name, err)
		}
		for ws, r := range u.Roles {
			if _, ok := auth.CanonicalID(ws); !ok || r.rank() == 0 {
				return nil, nil, fmt.Errorf("user %s: role %q in workspace %q is not valid", u.Name, r, ws)
			}
		}
		if _, dup := users[u.Name]; dup {
			return nil, nil, fmt.Errorf("user %s listed twice", u.Name)
		}
		users[u.Name] = u
	}
	tokens := make(map[string]Token, len(af.Tokens))
	for _, t := range af.Tokens {
		if _, dup := tokens[t.ID]; dup || len(t.Hash) != 64 || t.Role.rank() == 0 {
			return nil, nil, fmt.Errorf("token %q is listed twice or has no valid hash or role", t.ID)
		}
		tokens[t.ID] = t
	}
	return users, tokens, nil
}

// reloadIfDue re-reads the file when ReloadInterval passed and it changed.
func (s *Store) reloadIfDue() {
	s.mu.RLock()
	due := !s.now().Before(s.nextCheck)
	s.mu.RUnlock()
	if !due {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.now().Before(s.nextCheck) {
		return
	}
	if err := s.reloadIfChangedLocked(); err != nil {
		s.log.Error("access file reload failed; serving the users and tokens loaded before", "path", s.path(), "err", err)
		s.nextCheck = s.now().Add(ReloadInterval)
	}
}

func (s *Store) reloadIfChangedLocked() error {
	fi, err := os.Stat(s.path())
	switch {
	case errors.Is(err, os.ErrNotExist) && s.loaded == nil:
		s.nextCheck = s.now().Add(ReloadInterval)
		return nil
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("stat access file %s: %w", s.path(), err)
	case err == nil && s.loaded != nil && os.SameFile(fi, s.loaded) && fi.Size() == s.loaded.Size() &&
		fi.ModTime().Equal(s.loaded.ModTime()):
		s.nextCheck = s.now().Add(ReloadInterval)
		return nil
	}
	return s.loadLocked()
}

// change applies fn to copies of the users and tokens, re-read under the
// file lock, and makes the result durable before publishing it.
func (s *Store) change(fn func(users map[string]User, tokens map[string]Token) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := atomicfile.Lock(filepath.Join(s.dir, accessLockName))
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.reloadIfChangedLocked(); err != nil {
		return err
	}
	users, tokens := maps.Clone(s.users), maps.Clone(s.tokens)
	if err := fn(users, tokens); err != nil {
		return err
	}
	af := accessFile{Version: accessFileVersion,
		Users:  slices.SortedFunc(maps.Values(users), func(a, b User) int { return cmp.Compare(a.Name, b.Name) }),
		Tokens: slices.SortedFunc(maps.Values(tokens), func(a, b Token) int { return cmp.Compare(a.ID, b.ID) })}
	data, err := json.MarshalIndent(af, "", "  ")
	if err != nil {
		return fmt.Errorf("encode access file: %w", err)
	}
	if err := atomicfile.WriteFile(s.path(), append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write access file: %w", err)
	}
	fi, err := os.Stat(s.path())
	if err != nil {
		return fmt.Errorf("stat access file %s: %w", s.path(), err)
	}
	s.users, s.tokens, s.loaded = users, tokens, fi
	s.nextCheck = s.now().Add(ReloadInterval)
	return nil
}

// canonicalRoles validates roles and keys them by canonical workspace ID.
// A role "" (only when allowEmpty) means "remove".
func canonicalRoles(roles map[string]Role, allowEmpty bool) (map[string]Role, error) {
	out := make(map[string]Role, len(roles))
	for ws, r := range roles {
		id, ok := auth.CanonicalID(ws)
		if !ok {
			return nil, fmt.Errorf("workspace %q is not a GUID (see 'wsec workspace list')", ws)
		}
		if r.rank() == 0 && (r != "" || !allowEmpty) {
			return nil, fmt.Errorf("role %q in workspace %s: want reader, responder or admin", r, id)
		}
		out[id] = r
	}
	return out, nil
}

// AddUser creates a user with password and roles (workspace ID → role).
func (s *Store) AddUser(name, password string, roles map[string]Role) (User, error) {
	if !namePattern.MatchString(name) {
		return User{}, fmt.Errorf("add user %q: a name is 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit", name)
	}
	if err := validPassword(password); err != nil {
		return User{}, fmt.Errorf("add user %s: %w", name, err)
	}
	roles, err := canonicalRoles(roles, false)
	if err != nil {
		return User{}, fmt.Errorf("add user %s: %w", name, err)
	}
	hash, err := hashPassword(password, s.cost, s.rand)
	if err != nil {
		return User{}, err
	}
	u := User{Name: name, PasswordHash: hash, Roles: roles, Created: s.now().UTC()}
	err = s.change(func(users map[string]User, _ map[string]Token) error {
		if _, ok := users[name]; ok {
			return fmt.Errorf("add user %s: the user exists (change roles with 'wsec user role')", name)
		}
		if len(users) >= MaxUsers {
			return fmt.Errorf("add user %s: the maximum of %d users exists", name, MaxUsers)
		}
		users[name] = u
		return nil
	})
	if err != nil {
		return User{}, err
	}
	s.log.Info("user added", "user", name)
	return u, nil
}

// DeleteUser removes a user and the user's tokens.
func (s *Store) DeleteUser(name string) error {
	err := s.change(func(users map[string]User, tokens map[string]Token) error {
		if _, ok := users[name]; !ok {
			return fmt.Errorf("delete user %q: %w", name, ErrNoUser)
		}
		delete(users, name)
		maps.DeleteFunc(tokens, func(_ string, t Token) bool { return t.User == name })
		return nil
	})
	if err == nil {
		s.log.Info("user deleted", "user", name)
	}
	return err
}

// SetRoles changes a user's roles in the workspaces named; role "" removes
// the user from that workspace. Other workspaces keep their roles.
func (s *Store) SetRoles(name string, roles map[string]Role) (User, error) {
	roles, err := canonicalRoles(roles, true)
	if err != nil {
		return User{}, fmt.Errorf("set roles of %s: %w", name, err)
	}
	var out User
	err = s.change(func(users map[string]User, _ map[string]Token) error {
		u, ok := users[name]
		if !ok {
			return fmt.Errorf("set roles of %q: %w", name, ErrNoUser)
		}
		u.Roles = maps.Clone(u.Roles)
		if u.Roles == nil {
			u.Roles = map[string]Role{}
		}
		for ws, r := range roles {
			if r == "" {
				delete(u.Roles, ws)
			} else {
				u.Roles[ws] = r
			}
		}
		users[name], out = u, u
		return nil
	})
	return out, err
}

// SetPassword replaces a user's password.
func (s *Store) SetPassword(name, password string) error {
	if err := validPassword(password); err != nil {
		return fmt.Errorf("set password of %s: %w", name, err)
	}
	hash, err := hashPassword(password, s.cost, s.rand)
	if err != nil {
		return err
	}
	return s.change(func(users map[string]User, _ map[string]Token) error {
		u, ok := users[name]
		if !ok {
			return fmt.Errorf("set password of %q: %w", name, ErrNoUser)
		}
		u.PasswordHash = hash
		users[name] = u
		return nil
	})
}

// User returns the named user.
func (s *Store) User(name string) (User, bool) {
	s.reloadIfDue()
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.users[name]
	return u, ok
}

// Users returns all users by name.
func (s *Store) Users() []User {
	s.reloadIfDue()
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.SortedFunc(maps.Values(s.users), func(a, b User) int { return cmp.Compare(a.Name, b.Name) })
}

// CheckLogin returns the user when name and password match. A wrong name
// costs the same hashing work as a wrong password.
func (s *Store) CheckLogin(name, password string) (User, bool) {
	u, ok := s.User(name)
	hash := u.PasswordHash
	if !ok {
		hash = s.dummyHash
	}
	match, err := checkPassword(hash, password)
	if err != nil {
		s.log.Error("password hash unreadable; the user cannot log in until the password is set again", "user", name, "err", err)
	}
	return u, ok && match
}

// CreateToken makes a token for user with role in workspace (at most the
// user's own role there) and returns the secret, shown only now.
// expires zero: never.
func (s *Store) CreateToken(user, name, workspace string, role Role, expires time.Time) (string, Token, error) {
	if !namePattern.MatchString(name) {
		return "", Token{}, fmt.Errorf("create token %q: a name is 1 to 64 letters, digits, '.', '_', '@' or '-'", name)
	}
	ws, ok := auth.CanonicalID(workspace)
	if !ok {
		return "", Token{}, fmt.Errorf("create token %s: workspace %q is not a GUID", name, workspace)
	}
	if role.rank() == 0 {
		return "", Token{}, fmt.Errorf("create token %s: role %q: want reader, responder or admin", name, role)
	}
	secret, id, err := newToken(s.rand)
	if err != nil {
		return "", Token{}, err
	}
	t := Token{ID: id, Name: name, User: user, Workspace: ws, Role: role, Hash: tokenHash(secret),
		Created: s.now().UTC(), Expires: expires.UTC()}
	if expires.IsZero() {
		t.Expires = time.Time{}
	}
	err = s.change(func(users map[string]User, tokens map[string]Token) error {
		u, ok := users[user]
		if !ok {
			return fmt.Errorf("create token %s: user %q: %w", name, user, ErrNoUser)
		}
		if have := u.Roles[ws]; !have.Allows(role) {
			return fmt.Errorf("create token %s: user %s has role %q in workspace %s, so cannot hand out %s", name, user, have, ws, role)
		}
		if len(tokens) >= MaxTokens {
			return fmt.Errorf("create token %s: the maximum of %d tokens exists; revoke unused ones", name, MaxTokens)
		}
		tokens[id] = t
		return nil
	})
	if err != nil {
		return "", Token{}, err
	}
	s.log.Info("token created", "token", id, "user", user, "workspace", ws, "role", string(role))
	return secret, t, nil
}

// Tokens returns all tokens, oldest first.
func (s *Store) Tokens() []Token {
	s.reloadIfDue()
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.SortedFunc(maps.Values(s.tokens), func(a, b Token) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
}

// Token returns the token with id.
func (s *Store) Token(id string) (Token, bool) {
	s.reloadIfDue()
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tokens[id]
	return t, ok
}

// RevokeToken deletes a token; it stops working at once in this process
// and within ReloadInterval in others.
func (s *Store) RevokeToken(id string) (Token, error) {
	var out Token
	err := s.change(func(_ map[string]User, tokens map[string]Token) error {
		t, ok := tokens[id]
		if !ok {
			return fmt.Errorf("revoke token %q: %w", id, ErrNoToken)
		}
		delete(tokens, id)
		out = t
		return nil
	})
	return out, err
}
