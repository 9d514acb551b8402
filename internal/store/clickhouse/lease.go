package clickhouse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"wsec/internal/store"
)

// Leases and marks (store.Coordinator) live on the first shard's server,
// in database <Database> (workspaces are <Database>_<id>, so no workspace
// can take that name). See "Leases" in the package doc for the design.

// leaseState is what a Store remembers of a lease one of its holders took.
type leaseState struct {
	term  uint64
	until time.Time // by this process's clock; zero: lost
}

// leases is the per-Store memory of held leases, by name and holder.
type leases struct {
	mu      sync.Mutex
	held    map[string]*leaseState
	created bool // the coordination tables exist
}

// minLeaseTTL: the server clock that measures a lease's age counts whole
// seconds, so shorter leases would be all margin.
const minLeaseTTL = 4 * time.Second

// errTableExists is ClickHouse's code for CREATE TABLE of a table that
// exists: another node created the term first.
const errTableExists = "Code: 57"

// leaseMargin is how long before the server-side expiry a holder stops,
// and the longest round trip a renewal may take to count.
func leaseMargin(ttl time.Duration) time.Duration { return ttl / 4 }

// leaseTable is the prefix of the term tables of lease name.
func leaseTable(name string) string {
	h := sha256.Sum256([]byte(name))
	return "wsec_lease_" + hex.EncodeToString(h[:8]) + "_"
}

func termTable(prefix string, term uint64) string { return fmt.Sprintf("%s%020d", prefix, term) }

// AcquireLease implements store.Coordinator.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (store.Lease, error) {
	if ttl < minLeaseTTL {
		return store.Lease{}, fmt.Errorf("lease %q: ttl %v is shorter than %v", name, ttl, minLeaseTTL)
	}
	if err := s.checkOpen(); err != nil {
		return store.Lease{}, err
	}
	if err := s.createCoord(ctx); err != nil {
		return store.Lease{}, err
	}
	key := name + "\x00" + holder
	s.leases.mu.Lock()
	st := s.leases.held[key]
	s.leases.mu.Unlock()
	prefix := leaseTable(name)
	start := time.Now()
	var term uint64
	if st != nil && start.Before(st.until) {
		// Renew: a row in our term's table, sent while our lease is
		// valid and landed within the margin, so before any other node
		// can see the lease expired.
		term = st.term
		q := "INSERT INTO " + s.coordTable(termTable(prefix, term)) + " (`Holder`) VALUES (" + quoteString(holder) + ")"
		if err := s.shards[0].exec(ctx, "", q, nil); err != nil {
			return store.Lease{Term: term}, fmt.Errorf("renew lease %q: %w", name, err)
		}
	} else {
		top, age, err := s.leaseTop(ctx, prefix)
		if err != nil {
			return store.Lease{}, fmt.Errorf("lease %q: %w", name, err)
		}
		if top > 0 && age <= int64(math.Ceil(ttl.Seconds())) {
			return store.Lease{Term: top}, nil // held by another, or by us under a lapsed validity: wait for expiry
		}
		term = top + 1
		q := "CREATE TABLE " + s.coordTable(termTable(prefix, term)) + " (`Holder` String, `At` DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY `At`"
		if err := s.shards[0].exec(ctx, "", q, nil); err != nil {
			var ce *Error
			if errors.As(err, &ce) && strings.Contains(ce.Message, errTableExists) {
				return store.Lease{Term: term}, nil // another node took this term first
			}
			return store.Lease{}, fmt.Errorf("take lease %q: %w", name, err)
		}
	}
	if time.Since(start) >= leaseMargin(ttl) {
		return store.Lease{Term: term}, nil // too slow to count: another node may see it expired
	}
	top, _, err := s.leaseTop(ctx, prefix)
	if err != nil {
		return store.Lease{}, fmt.Errorf("lease %q: %w", name, err)
	}
	if top != term {
		s.leases.mu.Lock()
		delete(s.leases.held, key)
		s.leases.mu.Unlock()
		return store.Lease{Term: top}, nil
	}
	until := start.Add(ttl - leaseMargin(ttl))
	if st == nil || st.term != term {
		s.dropTerms(ctx, prefix, term)
	}
	s.leases.mu.Lock()
	s.leases.held[key] = &leaseState{term: term, until: until}
	s.leases.mu.Unlock()
	return store.Lease{Held: true, Until: until, Term: term}, nil
}

// leaseTop returns the highest term of the lease whose term tables start
// with prefix (0: none) and its age in seconds by the server's clock: since
// its last renewal, or its creation if none.
func (s *Store) leaseTop(ctx context.Context, prefix string) (term uint64, age int64, err error) {
	res, err := s.shards[0].selectTSV(ctx, "", "SELECT name, toInt64(now()) - toInt64(metadata_modification_time) FROM system.tables WHERE database = "+
		quoteString(s.opts.Database)+" AND startsWith(name, "+quoteString(prefix)+") ORDER BY name DESC LIMIT 1", nil)
	if err != nil || len(res.rows) == 0 {
		return 0, 0, err
	}
	table := res.rows[0][0].(string)
	if term, err = strconv.ParseUint(strings.TrimPrefix(table, prefix), 10, 64); err != nil {
		return 0, 0, fmt.Errorf("lease table %s: %w", table, err)
	}
	age = res.rows[0][1].(int64)
	res, err = s.shards[0].selectTSV(ctx, "", "SELECT toInt64(now()) - toInt64(max(`At`)), toInt64(count()) FROM "+s.coordTable(table), nil)
	if err != nil {
		return 0, 0, err
	}
	if res.rows[0][1].(int64) > 0 {
		age = min(age, res.rows[0][0].(int64))
	}
	return term, age, nil
}

// dropTerms drops the term tables of the lease below term-1 (best effort:
// a term is taken only after its predecessor is checked to be the
// highest, so dropped tables cannot revive an old term).
func (s *Store) dropTerms(ctx context.Context, prefix string, term uint64) {
	if term < 3 {
		return
	}
	res, err := s.shards[0].selectTSV(ctx, "", "SELECT name FROM system.tables WHERE database = "+quoteString(s.opts.Database)+
		" AND startsWith(name, "+quoteString(prefix)+") AND name < "+quoteString(termTable(prefix, term-1)), nil)
	if err != nil {
		return
	}
	for _, r := range res.rows {
		if err := s.shards[0].exec(ctx, "", "DROP TABLE IF EXISTS "+s.coordTable(r[0].(string)), nil); err != nil {
			s.opts.Logger.Warn("drop old lease term", "table", r[0], "err", err)
		}
	}
}

// Marks implements store.Coordinator.
func (s *Store) Marks(ctx context.Context, name string) (map[string]int64, error) {
	if err := s.createCoord(ctx); err != nil {
		return nil, err
	}
	res, err := s.shards[0].selectTSV(ctx, "", "SELECT `Key`, max(`Mark`) FROM "+s.coordTable("wsec_marks")+" WHERE `Lease` = "+quoteString(name)+" GROUP BY `Key`", nil)
	if err != nil {
		return nil, fmt.Errorf("read marks of %q: %w", name, err)
	}
	out := make(map[string]int64, len(res.rows))
	for _, r := range res.rows {
		out[r[0].(string)] = r[1].(int64)
	}
	return out, nil
}

// SetMarks implements store.Coordinator: one INSERT, so the marks of a
// call are stored all or none.
func (s *Store) SetMarks(ctx context.Context, name string, marks map[string]int64) error {
	if len(marks) == 0 {
		return nil
	}
	if err := s.createCoord(ctx); err != nil {
		return err
	}
	keys := make([]string, 0, len(marks))
	for k := range marks {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("INSERT INTO " + s.coordTable("wsec_marks") + " (`Lease`, `Key`, `Mark`) VALUES ")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(%s, %s, %d)", quoteString(name), quoteString(k), marks[k])
	}
	if err := s.shards[0].exec(ctx, "", b.String(), nil); err != nil {
		return fmt.Errorf("store marks of %q: %w", name, err)
	}
	return nil
}

// createCoord creates the coordination database and marks table once.
func (s *Store) createCoord(ctx context.Context) error {
	s.leases.mu.Lock()
	defer s.leases.mu.Unlock()
	if s.leases.created {
		return nil
	}
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS " + quoteIdent(s.opts.Database),
		// ReplacingMergeTree by Mark: merges keep a key's greatest mark.
		"CREATE TABLE IF NOT EXISTS " + s.coordTable("wsec_marks") + " (`Lease` String, `Key` String, `Mark` Int64) ENGINE = ReplacingMergeTree(`Mark`) ORDER BY (`Lease`, `Key`)",
	} {
		if err := s.shards[0].exec(ctx, "", q, nil); err != nil {
			return fmt.Errorf("create lease tables: %w", err)
		}
	}
	s.leases.created = true
	if s.leases.held == nil {
		s.leases.held = map[string]*leaseState{}
	}
	return nil
}

func (s *Store) coordTable(t string) string { return quoteIdent(s.opts.Database) + "." + quoteIdent(t) }
