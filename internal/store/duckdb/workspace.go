package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"wsec/internal/atomicfile"
	"wsec/internal/store"
	"wsec/internal/store/duckdb/bulk"
)

// Workspace is one workspace's database. It is safe for concurrent use:
// event batches are written by Options.Writers writers in parallel (each
// its own transaction), other writes on an auxiliary connection; queries
// run in parallel on a small pool and see every committed append.
type Workspace struct {
	s    *Store
	id   string
	path string
	log  *slog.Logger
	db   *sql.DB
	bulk *bulk.DB // the writers' connections (bulk appends)

	closed atomic.Bool

	// mu guards the fields below up to tpl: the auxiliary writer
	// connection (custom tables, heartbeats, retention, templates), the
	// dedup index and the in-flight sets. A group of batches holds it for
	// its checks and for recording its outcome, not while it writes
	// (group.go), so the dedup index plus the in-flight keys always cover
	// every committed or committing event.
	mu     sync.Mutex
	wconn  *sql.Conn
	se, we *layout
	hb     *layout
	// plain are the low-volume built-in tables that AppendRows writes
	// (SecurityAlert, SecurityIncident, Anomalies), by logical name.
	plain  map[string]*layout
	custom map[string]*customTable
	dedup  *dedupIndex
	tpl    *templates // read by wsec_col on any connection; its own lock
	g      *writers   // write AppendEvents batches (group.go)
	// ckpt is held shared by every write transaction and exclusively by
	// a forced checkpoint (maybeCheckpoint); checkpointing keeps it to one.
	ckpt          sync.RWMutex
	checkpointing atomic.Bool
	lastCommit    atomic.Int64  // UnixNano of the last commit (inTx), for idleCheckpoints
	stopIdle      chan struct{} // closed at close: stops idleCheckpoints
	idleDone      chan struct{} // closed when idleCheckpoints has returned
	syncMu        sync.Mutex    // guards walIno
	walIno        uint64        // inode of the WAL whose directory entry was last synced

	// in flight: batch marks and event keys of groups past their checks
	// and not yet committed or failed (group.go). Guarded by mu.
	inflightMarks map[markKey]*group
	inflight      []*group // their keys: group.keys

	// testFailBeforeMark, when set (tests only), runs inside an append's
	// transaction after the rows are appended and before the batch mark;
	// an error from it must roll the whole batch back.
	testFailBeforeMark func() error
	// testBetweenRetentionSlices, when set (tests only), runs between two
	// slices of a retention delete, without the write lock.
	testBetweenRetentionSlices func()
}

// openWorkspace opens or creates the database of workspace id.
func openWorkspace(s *Store, id string) (*Workspace, error) {
	path := s.path(id)
	dsn := path + "?" + dsnOptions(&s.opts).Encode()
	start := time.Now()
	conn, err := duck.NewConnector(dsn, nil) // DuckDB replays its WAL here
	if err != nil {
		return nil, fmt.Errorf("open workspace %s database %s: %w", id, path, err)
	}
	dbOpened := time.Now()
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(s.opts.QueryConns + 1 + s.opts.Writers)
	db.SetMaxIdleConns(s.opts.QueryConns + 1 + s.opts.Writers)
	w := &Workspace{s: s, id: id, path: path, db: db, log: s.log.With(slog.String("workspace", id)),
		dedup: newDedupIndex(s.opts.MaxDedupKeys, s.m.dedupKeys), custom: make(map[string]*customTable),
		tpl: newTemplates(maxTemplates), inflightMarks: make(map[markKey]*group)}
	if err := w.open(dsn); err != nil {
		if w.wconn != nil {
			w.wconn.Close()
		}
		if w.bulk != nil {
			w.bulk.Close()
		}
		db.Close()
		return nil, fmt.Errorf("open workspace %s: %w", id, err)
	}
	if idle := s.opts.IdleCheckpointAfter; idle > 0 {
		w.stopIdle, w.idleDone = make(chan struct{}), make(chan struct{})
		go func() {
			defer close(w.idleDone)
			w.idleCheckpoints(idle, w.stopIdle)
		}()
	}
	w.log.Info("workspace opened", slog.String("path", path), slog.Duration("took", time.Since(start)),
		slog.Duration("database", dbOpened.Sub(start)), slog.Duration("migrate", time.Since(dbOpened)))
	return w, nil
}

// open prepares a new Workspace; on error the caller closes what it set.
func (w *Workspace) open(dsn string) (err error) {
	ctx := context.Background()
	if w.bulk, err = bulk.Attach(dsn); err != nil {
		return err
	}
	if w.wconn, err = w.db.Conn(ctx); err != nil {
		return fmt.Errorf("writer connection: %w", err)
	}
	if err := registerColFunc(w); err != nil {
		return err
	}
	if err := registerHasFunc(w); err != nil {
		return err
	}
	if err := registerGeoFunc(w); err != nil {
		return err
	}
	if err := w.migrate(ctx); err != nil { // its commit syncs the WAL's directory entry
		return err
	}
	w.g, err = newWriters(w, w.s.opts.Writers)
	return err
}

// dsnOptions are the DuckDB settings of every workspace database.
//
// enable_external_access=false is the isolation rule: a query can read
// only this database, never a file, another database (ATTACH) or the
// network, and lock_configuration keeps a query from turning it back on.
//
// Checkpoints are the store's (maybeCheckpoint), not DuckDB's: its own
// threshold is set out of reach, and max_vacuum_tasks=0 keeps a checkpoint
// from merging the row groups earlier checkpoints left part-filled (see
// maybeCheckpoint for why).
func dsnOptions(o *Options) url.Values {
	v := url.Values{}
	v.Set("checkpoint_threshold", strconv.FormatInt(duckdbCheckpointThreshold, 10)+"b")
	v.Set("max_vacuum_tasks", "0")
	v.Set("storage_compatibility_version", storageVersion)
	v.Set("enable_external_access", "false")
	v.Set("autoinstall_known_extensions", "false")
	v.Set("autoload_known_extensions", "false")
	if o.MemoryLimitBytes > 0 {
		v.Set("memory_limit", strconv.FormatInt(o.MemoryLimitBytes, 10)+"b")
	}
	v.Set("threads", strconv.Itoa(o.Threads))
	v.Set("lock_configuration", "true")
	return v
}

// migrate creates what is missing, in one transaction, and (re)creates the
// views, which depend only on the schema compiled into this binary. It
// does not checkpoint: after a crash the WAL just replayed is usually past
// the threshold, and checkpointing it here (0.65 s at 100M events a day)
// would hold back the first batch; the first group checkpoints it once
// that batch is acknowledged.
func (w *Workspace) migrate(ctx context.Context) error {
	if _, err := w.commitTx(ctx, sqlConn{w.wconn}, func() error { return w.migrateTx(ctx) }); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

func (w *Workspace) migrateTx(ctx context.Context) error {
	c := w.wconn
	stmts := []string{
		"CREATE TABLE IF NOT EXISTS " + metaTable + " (key VARCHAR PRIMARY KEY, value VARCHAR)",
		"CREATE TABLE IF NOT EXISTS " + batchTable + " (sender VARCHAR NOT NULL, seq UBIGINT NOT NULL, " +
			"committed TIMESTAMP NOT NULL, stored INTEGER NOT NULL, duplicates INTEGER NOT NULL, PRIMARY KEY (sender, seq))",
		"CREATE TABLE IF NOT EXISTS " + templateTable + " (id INTEGER PRIMARY KEY, def VARCHAR NOT NULL)",
	}
	for _, s := range stmts {
		if _, err := c.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("create internal table: %w", err)
		}
	}
	var version string
	err := c.QueryRowContext(ctx, "SELECT value FROM "+metaTable+" WHERE key = 'format'").Scan(&version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := c.ExecContext(ctx, "INSERT INTO "+metaTable+" VALUES ('format', ?)", strconv.Itoa(formatVersion)); err != nil {
			return fmt.Errorf("write format version: %w", err)
		}
	case err != nil:
		return fmt.Errorf("read format version: %w", err)
	default:
		n, err := strconv.Atoi(version)
		if err != nil || n < oldFormatVersion || n > formatVersion {
			return fmt.Errorf("database format %q, this binary reads formats %d to %d (format 1 came from development builds: re-import)", version, oldFormatVersion, formatVersion)
		}
		if n < formatVersion {
			if _, err := c.ExecContext(ctx, "UPDATE "+metaTable+" SET value = ? WHERE key = 'format'", strconv.Itoa(formatVersion)); err != nil {
				return fmt.Errorf("write format version: %w", err)
			}
			w.log.Info("database format migrated", slog.Int("from", n), slog.Int("to", formatVersion))
		}
	}
	if err := w.tpl.load(ctx, c); err != nil {
		return err
	}
	cat := w.s.cat
	var added []int
	existing, err := w.physColumns(ctx, physPrefix+cat.SecurityEvent.Name)
	if err != nil {
		return err
	}
	w.se, added = newViewLayout(cat.SecurityEvent, securityEventLayout, existing.names, true, w.id)
	if err := w.ensureLayout(ctx, w.se, existing, added); err != nil {
		return err
	}
	if err := w.migrateTerms(ctx, w.se); err != nil {
		return err
	}
	if existing, err = w.physColumns(ctx, physPrefix+cat.WindowsEvent.Name); err != nil {
		return err
	}
	w.we, added = newViewLayout(cat.WindowsEvent, windowsEventHot[:], existing.names, false, w.id)
	if err := w.ensureLayout(ctx, w.we, existing, added); err != nil {
		return err
	}
	if err := w.migrateTerms(ctx, w.we); err != nil {
		return err
	}
	if existing, err = w.physColumns(ctx, physPrefix+cat.Heartbeat.Name); err != nil {
		return err
	}
	w.hb = newPlainLayout(cat.Heartbeat, existing.names, w.id)
	if err := w.ensureLayout(ctx, w.hb, existing, nil); err != nil {
		return err
	}
	w.plain = map[string]*layout{}
	for _, t := range cat.Detection() {
		if existing, err = w.physColumns(ctx, physPrefix+t.Name); err != nil {
			return err
		}
		l := newPlainLayout(t, existing.names, w.id)
		if err := w.ensureLayout(ctx, l, existing, nil); err != nil {
			return err
		}
		w.plain[t.Name] = l
	}
	return w.loadCustomTables(ctx)
}

// ensureLayout creates the physical table or adds the columns it lacks,
// backfills the logical columns that became physical (added), and replaces
// the view.
func (w *Workspace) ensureLayout(ctx context.Context, l *layout, existing physTable, added []int) error {
	if len(existing.names) == 0 {
		if _, err := w.wconn.ExecContext(ctx, l.createSQL()); err != nil {
			return fmt.Errorf("create table %s: %w", l.phys, err)
		}
	} else {
		for _, c := range l.cols {
			if t, ok := existing.types[c.name]; ok {
				if t != c.sqlType {
					return fmt.Errorf("table %s column %s is %s, this binary stores %s: migrate the database first", l.phys, c.name, t, c.sqlType)
				}
				continue
			}
			q := "ALTER TABLE " + quoteIdent(l.phys) + " ADD COLUMN " + quoteIdent(c.name) + " " + c.sqlType
			if _, err := w.wconn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("add column %s.%s: %w", l.phys, c.name, err)
			}
		}
		if len(added) > 0 {
			names := make([]string, len(added))
			for k, i := range added {
				names[k] = l.table.Columns[i].Name
			}
			if _, err := w.wconn.ExecContext(ctx, l.backfillSQL(added)); err != nil {
				return fmt.Errorf("backfill %s columns %v: %w", l.phys, names, err)
			}
			w.log.Info("columns made physical", slog.String("table", l.table.Name), slog.Any("columns", names))
		}
	}
	if _, err := w.wconn.ExecContext(ctx, l.viewSQL()); err != nil {
		return fmt.Errorf("create view %s: %w", l.table.Name, err)
	}
	return nil
}

// physTable is a physical table's columns: names in table order and their
// DuckDB types.
type physTable struct {
	names []string
	types map[string]string
}

// physColumns returns the columns of a physical table; none when it does
// not exist.
func (w *Workspace) physColumns(ctx context.Context, table string) (physTable, error) {
	pt := physTable{types: make(map[string]string)}
	rs, err := w.wconn.QueryContext(ctx,
		"SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position", table)
	if err != nil {
		return pt, fmt.Errorf("list columns of %s: %w", table, err)
	}
	defer rs.Close()
	for rs.Next() {
		var n, t string
		if err := rs.Scan(&n, &t); err != nil {
			return pt, fmt.Errorf("list columns of %s: %w", table, err)
		}
		pt.names = append(pt.names, n)
		pt.types[n] = t
	}
	return pt, rs.Err()
}

// syncDir makes the directory entry of DuckDB's WAL durable. DuckDB fsyncs
// the WAL file on every commit but not the directory after creating it
// (it deletes the WAL at each checkpoint and creates it again at the next
// commit), so after a power loss a new WAL file could vanish with its
// committed transactions. The inode is remembered so that the directory is
// synced once per new WAL, not once per commit. It returns the WAL's size
// (0: none) for maybeCheckpoint, which so needs no second stat.
func (w *Workspace) syncDir() (walBytes int64, err error) {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	st, err := os.Stat(w.path + walFileSuffix)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil // everything is in the database file, synced by DuckDB's checkpoint
	}
	if err != nil {
		return 0, fmt.Errorf("stat wal: %w", err)
	}
	var ino uint64
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		ino = sys.Ino
	}
	if ino != 0 && ino == w.walIno {
		return st.Size(), nil
	}
	if err := atomicfile.SyncDir(filepath.Dir(w.path)); err != nil {
		return 0, fmt.Errorf("sync store dir: %w", err)
	}
	w.walIno = ino
	return st.Size(), nil
}

// ID returns the workspace ID.
func (w *Workspace) ID() string { return w.id }

// close waits for the append in flight, then closes the database (DuckDB
// checkpoints on close).
func (w *Workspace) close() error {
	if w.closed.Swap(true) {
		return nil
	}
	if w.stopIdle != nil {
		close(w.stopIdle)
		<-w.idleDone
	}
	gErr := w.g.close() // the group in progress finishes first
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dedup.reset() // its keys leave the store-wide gauge
	wErr := w.wconn.Close()
	w.bulk.Close()
	err := errors.Join(gErr, wErr, w.db.Close())
	if err != nil {
		return fmt.Errorf("close workspace %s: %w", w.id, err)
	}
	w.log.Info("workspace closed")
	return nil
}

// checkOpen returns store.ErrClosed once the workspace is closed.
func (w *Workspace) checkOpen() error {
	if w.closed.Load() {
		return fmt.Errorf("workspace %s: %w", w.id, store.ErrClosed)
	}
	return nil
}
