package clickhouse

import (
	"context"
	"fmt"
	"strings"

	"wsec/internal/schema"
)

// Physical columns every table has beside its logical ones.
const (
	colReceived = "_TimeReceived" // Int64 µs: retention counts from it
	colKey0     = "_Key0"         // identity hash, high half; picks the shard
	colKey1     = "_Key1"
)

// physType is the ClickHouse type a logical column is stored as.
func physType(t schema.Type) string {
	switch t {
	case schema.Int, schema.Long, schema.DateTime, schema.TimeSpan:
		return "Nullable(Int64)"
	case schema.Real:
		return "Nullable(Float64)"
	case schema.Bool:
		return "Nullable(UInt8)"
	}
	return "Nullable(String)"
}

// tableDDL is the local (per shard) table of a logical table. Event tables
// (dedup) replace rows of one identity; the others keep every row.
func tableDDL(db, local string, cols []schema.Column, dedup bool) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS " + quoteIdent(db) + "." + quoteIdent(local) + " (")
	b.WriteString("`TimeGenerated` Int64, `" + colReceived + "` Int64, `" + colKey0 + "` UInt64, `" + colKey1 + "` UInt64")
	for _, c := range cols {
		if c.Name == "TimeGenerated" || c.Name == colReceived {
			continue
		}
		b.WriteString(", " + quoteIdent(c.Name) + " " + physType(c.Type))
	}
	engine := "MergeTree"
	if dedup {
		engine = "ReplacingMergeTree"
	}
	b.WriteString(") ENGINE = " + engine + " PARTITION BY toYYYYMMDD(toDateTime(intDiv(`TimeGenerated`, 1000000))) ORDER BY (`TimeGenerated`, `" + colKey0 + "`, `" + colKey1 + "`)")
	return b.String()
}

// builtin is a built-in logical table and how it is stored.
type builtin struct {
	t     *schema.Table
	dedup bool // events: identity dedup (ReplacingMergeTree, view with FINAL)
}

func (s *Store) builtins() []builtin {
	c := s.cat
	out := []builtin{{c.SecurityEvent, true}, {c.WindowsEvent, true}, {c.Heartbeat, false}}
	for _, t := range c.Detection() {
		out = append(out, builtin{t, false})
	}
	return out
}

// names of the physical tables of logical table name.
func localName(name string) string { return name + "_local" }
func allName(name string) string   { return name + "_all" }

// distName is the Distributed table of a logical table: for dedup tables
// T_all (queries read the FINAL view T), for the others T itself.
func distName(name string, dedup bool) string {
	if dedup {
		return allName(name)
	}
	return name
}

// create makes the workspace's database and tables on every shard. Every
// statement is IF NOT EXISTS, so nodes opening the same workspace at once
// agree and a create interrupted half-way is completed by the next open.
func (w *Workspace) create(ctx context.Context) error {
	s := w.s
	db := quoteIdent(w.db)
	for _, sh := range s.shards {
		if err := sh.exec(ctx, "", "CREATE DATABASE IF NOT EXISTS "+db, nil); err != nil {
			return fmt.Errorf("create workspace %s: %w", w.id, err)
		}
		stmts := []string{
			"CREATE TABLE IF NOT EXISTS " + db + ".wsec_batches (`Sender` String, `Seq` UInt64, `Events` UInt64, `" + colReceived + "` Int64) ENGINE = ReplacingMergeTree ORDER BY (`Sender`, `Seq`)",
			"CREATE TABLE IF NOT EXISTS " + db + ".wsec_custom (`Table` String, `Column` String, `Type` String) ENGINE = ReplacingMergeTree ORDER BY (`Table`, `Column`)",
		}
		for _, bt := range s.builtins() {
			stmts = append(stmts, tableDDL(w.db, localName(bt.t.Name), bt.t.Columns, bt.dedup))
		}
		for _, bt := range s.builtins() {
			name := bt.t.Name
			stmts = append(stmts, distDDL(w.db, s.opts.Cluster, name, distName(name, bt.dedup), "`"+colKey0+"`"))
			if bt.dedup {
				stmts = append(stmts, "CREATE VIEW IF NOT EXISTS "+db+"."+quoteIdent(name)+" AS SELECT * FROM "+db+"."+quoteIdent(allName(name))+" FINAL")
			}
		}
		for _, q := range stmts {
			if err := sh.exec(ctx, "", q, nil); err != nil {
				return fmt.Errorf("create workspace %s on %s: %w", w.id, sh.base, err)
			}
		}
	}
	return w.loadCustom(ctx)
}

// distDDL is the Distributed table dist over logical table name's local
// tables.
func distDDL(db, cluster, name, dist, shardKey string) string {
	return "CREATE TABLE IF NOT EXISTS " + quoteIdent(db) + "." + quoteIdent(dist) + " AS " + quoteIdent(db) + "." + quoteIdent(localName(name)) +
		" ENGINE = Distributed(" + quoteIdent(cluster) + ", " + quoteIdent(db) + ", " + quoteIdent(localName(name)) + ", " + shardKey + ")"
}
