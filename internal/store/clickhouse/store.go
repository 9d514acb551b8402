package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	kqlsql "wsec/internal/kql/sql"
	"wsec/internal/schema"
	"wsec/internal/store"
)

// Options configure a Store. Zero fields take the default named.
type Options struct {
	// Shards are the HTTP base URLs (http://host:port/) of one server per
	// shard, in the order of the cluster's remote_servers entry: rows go
	// to the shard _Key0 picks, as the Distributed tables route them.
	Shards []string
	// Cluster is the remote_servers cluster the Distributed tables span.
	Cluster string
	// Database prefixes each workspace's database: <Database>_<id>.
	Database string
	Logger   *slog.Logger
	// Now is the clock for receive times and retention. nil: time.Now.
	Now func() time.Time
	// RetentionDays maps a table to its retention in days; others keep
	// DefaultRetentionDays (≤ 0: forever).
	RetentionDays        map[string]int
	DefaultRetentionDays int
	// WorkspaceRetention, when set, gives a workspace's own retention per
	// table in days, asked on every retention pass; a table it does not
	// name keeps RetentionDays or the default.
	WorkspaceRetention func(workspace string) map[string]int
	// MaxResultRows bounds one query's rows. 0: 100000.
	MaxResultRows int
	// Timeout bounds one HTTP request. 0: 5 minutes.
	Timeout time.Duration
}

// ParseURL reads a --store value:
//
//	clickhouse://HOST:PORT/DATABASE?shards=HOST:PORT,HOST:PORT&cluster=NAME
//
// HOST:PORT are HTTP ports; the first server is shard 1, the shards
// parameter lists the others in remote_servers order. cluster defaults to
// "wsec", DATABASE to "wsec".
func ParseURL(s string) (Options, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Options{}, fmt.Errorf("store URL %q: %w", s, err)
	}
	if u.Scheme != "clickhouse" || u.Host == "" {
		return Options{}, fmt.Errorf("store URL %q: want clickhouse://HOST:PORT/DATABASE?shards=HOST:PORT,...", s)
	}
	o := Options{Shards: []string{"http://" + u.Host + "/"}, Cluster: u.Query().Get("cluster"), Database: strings.Trim(u.Path, "/")}
	for _, h := range strings.Split(u.Query().Get("shards"), ",") {
		if h = strings.TrimSpace(h); h != "" {
			o.Shards = append(o.Shards, "http://"+h+"/")
		}
	}
	return o, nil
}

// Store is a set of workspaces on one ClickHouse cluster. Any number of
// Stores (wsec serve nodes) may use the same cluster at once.
type Store struct {
	opts   Options
	shards []*server
	cat    *schema.Catalog
	mapper *schema.Mapper

	mu     sync.Mutex
	ws     map[string]*Workspace
	closed bool

	leases leases
}

// Open connects to the cluster and checks that every shard answers.
func Open(ctx context.Context, o Options) (*Store, error) {
	if len(o.Shards) == 0 {
		return nil, errors.New("open clickhouse store: no shard URL")
	}
	if o.Cluster == "" {
		o.Cluster = "wsec"
	}
	if o.Database == "" {
		o.Database = "wsec"
	}
	if !validName(o.Database) || !validName(o.Cluster) {
		return nil, fmt.Errorf("open clickhouse store: database %q and cluster %q must be letters, digits and '_': %w", o.Database, o.Cluster, store.ErrInvalidName)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxResultRows <= 0 {
		o.MaxResultRows = 100000
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.DefaultRetentionDays == 0 {
		o.DefaultRetentionDays = 90
	}
	client := &http.Client{Timeout: o.Timeout, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	s := &Store{opts: o, cat: schema.New(), ws: map[string]*Workspace{}}
	s.mapper = schema.NewMapper(s.cat)
	for _, u := range o.Shards {
		s.shards = append(s.shards, &server{base: u, client: client})
	}
	res, err := s.shards[0].selectTSV(ctx, "", "SELECT toInt64(count()) FROM system.clusters WHERE cluster = "+quoteString(o.Cluster), nil)
	if err != nil {
		return nil, fmt.Errorf("open clickhouse store: %w", err)
	}
	if n := res.rows[0][0].(int64); n != int64(len(s.shards)) {
		return nil, fmt.Errorf("open clickhouse store: cluster %q has %d shards in the server's remote_servers, the store URL names %d servers (list every shard's HTTP address in shards=, in remote_servers order)", o.Cluster, n, len(s.shards))
	}
	for _, sh := range s.shards[1:] {
		if err := sh.exec(ctx, "", "SELECT 1", nil); err != nil {
			return nil, fmt.Errorf("open clickhouse store: %w", err)
		}
	}
	return s, nil
}

// Dialect implements store.Backend.
func (s *Store) Dialect() kqlsql.Dialect { return kqlsql.ClickHouse{} }

// Workspace implements store.Backend: it creates the workspace's database
// and tables on every shard on first use (idempotent, so nodes racing to
// create one agree).
func (s *Store) Workspace(id string) (store.Workspace, error) {
	return s.workspace(context.Background(), id)
}

func (s *Store) workspace(ctx context.Context, id string) (*Workspace, error) {
	if !validWorkspaceID(id) {
		return nil, fmt.Errorf("open workspace %q: want 1-64 letters, digits, '-' or '_': %w", id, store.ErrInvalidName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("open workspace %s: %w", id, store.ErrClosed)
	}
	if w := s.ws[id]; w != nil {
		return w, nil
	}
	w := &Workspace{s: s, id: id, db: s.opts.Database + "_" + id, custom: map[string]*customTable{}}
	for _, sh := range s.shards {
		w.committers = append(w.committers, &committer{w: w, shard: sh})
	}
	if err := w.create(ctx); err != nil {
		return nil, err
	}
	s.ws[id] = w
	return w, nil
}

// WorkspaceIDs lists the workspaces that have a database on the cluster.
func (s *Store) WorkspaceIDs(ctx context.Context) ([]string, error) {
	prefix := s.opts.Database + "_"
	res, err := s.shards[0].selectTSV(ctx, "", "SELECT name FROM system.databases WHERE startsWith(name, "+quoteString(prefix)+") ORDER BY name", nil)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, row := range res.rows {
		if id := strings.TrimPrefix(row[0].(string), prefix); validWorkspaceID(id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// Close implements store.Backend. Requests in flight finish; later calls
// fail with store.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

func (s *Store) checkOpen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	return nil
}

func validWorkspaceID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	return strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == ""
}

func validName(s string) bool {
	return s != "" && len(s) <= 64 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == ""
}

func quoteIdent(s string) string {
	return "`" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "`", "\\`") + "`"
}

func quoteString(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

// DiskBytes is the space workspace id's tables take on disk, summed over
// the shards (active parts; parts merged away are deleted a few minutes
// after the merge).
func (s *Store) DiskBytes(ctx context.Context, id string) (int64, error) {
	if !validWorkspaceID(id) {
		return 0, fmt.Errorf("disk bytes of workspace %q: %w", id, store.ErrInvalidName)
	}
	var total int64
	for _, sh := range s.shards {
		res, err := sh.selectTSV(ctx, "", "SELECT toInt64(sum(bytes_on_disk)) FROM system.parts WHERE active AND database = "+quoteString(s.opts.Database+"_"+id), nil)
		if err != nil {
			return 0, fmt.Errorf("disk bytes of workspace %s: %w", id, err)
		}
		total += res.rows[0][0].(int64)
	}
	return total, nil
}
