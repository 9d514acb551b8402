package duckdb

// On-disk names. A workspace is one DuckDB database file in the store's
// directory; DuckDB keeps its write-ahead log beside it (<file>.wal) and
// spills to <file>.tmp/. Nothing else is written there.
const (
	// workspaceFileSuffix ends every workspace database file:
	// <dir>/<workspace ID>.duckdb.
	workspaceFileSuffix = ".duckdb"
	// walFileSuffix is DuckDB's write-ahead log beside a database file.
	walFileSuffix = ".wal"
)

// Internal tables and columns inside a workspace database. Logical tables
// are views (SecurityEvent, WindowsEvent) or plain tables (Heartbeat,
// <Name>_CL); FORMAT.md describes each physical table.
const (
	// batchTable holds one row per committed native batch: the (sender,
	// seq) mark that makes retries idempotent.
	batchTable = "wsec_batches"
	// metaTable holds the store's format version.
	metaTable = "wsec_meta"
	// physPrefix starts the name of a physical table behind a view:
	// wsec_SecurityEvent behind SecurityEvent.
	physPrefix = "wsec_"
	// valsCol holds, per row, what the hot columns do not: template id,
	// payload values and extra values (vals.go, FORMAT.md).
	valsCol = "_Vals"
	// templateTable holds the templates _Vals refers to.
	templateTable = "wsec_templates"
	// keyCol0 and keyCol1 hold the 128-bit hash of the event's identity.
	keyCol0 = "_Key0"
	keyCol1 = "_Key1"
)

// formatVersion is written to metaTable; a database of a newer format is
// refused rather than misread. Format 3 added the shared columns (_Vals
// tokens "^", securityEventShared); a format 2 database is migrated at open
// (its rows have no such token, so only the columns are added).
const (
	formatVersion    = 3
	oldFormatVersion = 2 // the oldest format migrated
)
