// Package duckdb is the workspace's embedded analytics store: one DuckDB
// database file per workspace, holding the logical tables queries name
// (SecurityEvent, WindowsEvent, Heartbeat, <Name>_CL) and what makes
// ingestion exactly-once (batch marks, event identity hashes).
//
// # Why DuckDB, and why this layout
//
// DuckDB is embedded (no server beside `wsec serve`), columnar and
// vectorised: a GROUP BY over hundreds of thousands of events takes
// milliseconds, which is what detection rules and hunting need. Its cost is
// on the write side, and measurement decided the physical layout
// (FORMAT.md; all numbers below on the project's 2-core machine, shared
// with other jobs, so ±30%):
//
//   - DuckDB's append cost grows with every physical column, null or not
//     (0.2-0.3 µs per cell), and with every byte of text (~6 ns per byte
//     across append, WAL and checkpoint). A table of all 226 SecurityEvent
//     columns appends at ~41k rows/s (dependencies.md); 67 "hot" columns
//     plus the EventData text plus a JSON of the rest made ~30k events/s
//     through AppendEvents. The EventData text alone (861 bytes per event
//     on average) cost 5.3 µs of the 12.4 µs DuckDB spent per event.
//   - So SecurityEvent is a view over a physical table of 25 hot columns:
//     the System fields queries filter on, the columns the mapper derives
//     (Activity, Account, AccountType, ...; also the most used columns of the
//     corpus' Sentinel rules) and the shared payload columns (below).
//     Everything else of a row goes into one text
//     column, _Vals, in EVTX's own manner: a template (the payload's field
//     names and the values that repeat for a kind of event, among them
//     Level, EventSourceName and SourceSystem) is stored once,
//     and the row keeps only its values (~275 bytes per event instead of
//     ~1070). The view renders EventData from them with the same
//     schema.EventDataXML the mapper uses, and reads cold payload columns
//     (ProcessId, ObjectName, ...) as the first field of their name,
//     exactly as the mapper fills them.
//   - The payload fields rules and hunting name most are physical too
//     (securityEventShared: IpAddress, TargetUserName, SubjectUserName,
//     CommandLine, the domain names, New/ParentProcessName, LogonType,
//     Status, SubStatus; each named by 4-13 of the 44 Sentinel rules and pack
//     rules that read SecurityEvent), and _Vals leaves their values to the
//     column (a one-byte "^" token): wsec_col takes them back to render
//     EventData. Read through wsec_col they cost a Go call per row: a GROUP
//     BY IpAddress over 2M events ran at 8.3× the same query over a plain
//     table; physical, 1.2×; CommandLine has "x" 3.4× → 0.9× (bench-scale,
//     see below). Each costs ~0.3 µs per event on append (store benchmark:
//     ~+3.5 cpu-µs per event for the eleven, loaded machine); the other
//     ~190 payload columns stay cold: a rule names them after filtering on
//     the hot ones.
//   - _Vals is compressed with zstd (storage version v1.2.0 or later, set
//     for new database files): DuckDB's default for it, FSST, kept 66 bytes
//     per event of 275 bytes of text; zstd keeps ~20. The hashes _Key0/_Key1
//     (16 bytes per event, incompressible) are the next largest part.
//   - New database files have storage version v1.3.0 (storageVersion), whose
//     DICT_FSST a checkpoint picks for every other text column: before, it
//     analysed both dictionary and FSST compression of each column and
//     segment and kept one. BenchmarkAppendEvents (batch=10000, 4 senders, 2
//     writers, -benchtime 80x; v1.2.0 and v1.3.0 alternated 6 times, machine
//     busy): 15.6 → 13.0 cpu-µs per event, 110k → 130k events/s (medians);
//     55.9 → 53.3 bytes per event on disk (bench-scale at 100M: 68.4 →
//     65.8); BenchmarkQuery the same or faster. Naming a method per column
//     (USING COMPRESSION) on top saved nothing more measurable, and a fixed
//     one is wrong for some data: FSST for the long text columns
//     (CommandLine, the process names, WindowsEvent's EventData) took 90
//     bytes per event against 55 on the benchmark's repetitive events;
//     dictionary would lose as much on unique command lines.
//   - The encoder checks, per row and field, that the view reproduces the
//     mapper's value (mirror, encode.go); where it would not (a derived
//     value, an int that is not plain decimal, a field the mapper skips) the
//     value, or an explicit null, travels as an extra of the row. So the
//     view equals the mapper's row by construction: TestColumnsMatchMapper
//     checks every column on real events and FuzzPayloadRoundTrip fuzzes
//     payload values through DuckDB.
//   - The cold columns are read by a Go scalar function (wsec_col) rather
//     than SQL expressions: DuckDB binds a view's whole select list for
//     every query naming it, and ~200 CASE/split_part expressions took
//     ~100 ms of binding per query; one function call per column takes
//     ~3 ms. Projections push through the view: a query that names no cold
//     column never reads _Vals (TestViewProjectionPushdown checks the plan).
//   - Checkpoints are the store's (append.go: maybeCheckpoint), every 64 MiB
//     of WAL (~140k events; ~450 bytes of WAL per event fold into ~40 of
//     compressed table). The WAL is what opening a workspace after a crash
//     replays, ~1 s per 100 MiB: DuckDB's own trigger, which with two
//     writers rarely finds a moment without a write transaction, let it
//     grow to 512 MiB (restart 4 s). A smaller threshold used to cost
//     throughput because each checkpoint ran DuckDB's vacuum, which merged
//     the part-filled row group the last checkpoint left with its
//     neighbours (rewriting ~190k rows per checkpoint at 64 MiB); with
//     vacuum tasks off, 64 MiB costs what 512 did (BenchmarkAppendEvents,
//     the final checkpoint counted: 13.2 against 13.0 cpu-µs per event,
//     medians of 3 alternated, load 13-18) and a crash leaves at most ~64
//     MiB to replay (BenchmarkRestart). Row groups stay part-filled (one per
//     checkpoint), which costs queries and disk little.
//   - Writers: DuckDB appends from two transactions at once at nearly twice
//     the rate of one (DuckDB side only: 165-180k → 340-360k events/s), so
//     two writer goroutines each commit groups of the batches waiting
//     (group.go); a group pays the marks, appends and the WAL fsync once.
//   - DuckDB runs on half the cores (DefaultThreads; serve's
//     --store-threads), not one thread per core: its client threads, the
//     writers, busy-wait while its background threads run their tasks,
//     which on 2 cores cost serve ~19% of its CPU per event and the load of
//     bench-scale 15% of its rate; queries pay with less parallelism
//     (limits.go has the figures).
//   - DuckDB's jemalloc keeps freed memory 5 s rather than 1 s before
//     handing it back to the kernel (allocator.go): ingest reuses the same
//     amounts every second, and returning them cost madvise calls and page
//     faults; the store path spent ~10% less CPU per event, for ~50 MB more
//     RSS at the peak of a 10M-event load.
//   - Rows are encoded column by column (bulk.Column) and handed to DuckDB
//     as whole data chunks by package bulk, not as driver.Value rows through
//     duckdb-go's Appender (bulk's doc says why): that, mapping with
//     schema.Mapper.MapKeepingPayload (EventData is rendered on read, so the
//     mapper does not render it per event) and an encoder that allocates
//     nothing per row took AppendEvents from ~12.6 to ~7 cpu-µs per event.
//   - Measured and not taken: transactions of a whole row group (122,880
//     rows, so DuckDB writes blocks directly instead of the WAL): no gain on
//     this layout, before and after bulk. Arrow record batches (-tags
//     duckdb_arrow): the DuckDB side drops from 12.6 to 10.2 µs per event
//     but building the batch in Go costs more than that, and the tag would
//     bind every build of the binary. Disabling FSST compression: no
//     measurable gain.
//
// # What is promised
//
// AppendEvents (append_events.go) is atomic per batch (rows and the
// (sender, seq) mark commit together), idempotent per (sender, seq),
// deduplicating by event identity across all senders and batches for events
// of any age, and durable when it returns: DuckDB fsyncs its WAL at every
// commit, and the store fsyncs the directory once per new WAL file, which
// DuckDB does not. TestDurabilityKill9 kills a child process with SIGKILL
// right after acknowledgements and finds every acknowledged batch, twice in
// a row. After a crash, opening the workspace replays DuckDB's WAL: an
// unacknowledged group leaves nothing.
//
// Dedup keeps the 128-bit hash of each event's identity in _Key0/_Key1 and,
// in memory, a Bloom filter of the keys' first halves per UTC hour of
// TimeCreated (dedup.go). What is exact: an event is dropped only when its
// whole key is found in the tables (a filter hit is confirmed there, so a
// false positive costs a lookup, never an event), by any sender, for events
// of any age (an hour is loaded from the tables' _Key0 on first use, and
// that one scan also picks the batch's keys of the hour to confirm whole;
// the first batch after a restart at 100M events a day waits ~0.5 s for
// it, BenchmarkRestart; many hits in a resident hour, a batch sent
// again, are confirmed by one scan of their time range rather than key by
// key: importing the same EVTX file twice stores nothing new). What is
// bounded: the keys the filters hold (Options.MaxDedupKeys, 2-4 bytes each,
// whatever the events per day or in total), by evicting whole hours; an
// hour bigger than the bound is checked in the tables for every batch; and
// the load after a restart, one hour rather than a day. Groups written in
// parallel coordinate through in-flight sets of marks and keys (group.go).
//
// Ingestion pauses while the disk holding the store has less free space
// than Options.MinFreeDiskBytes (diskguard.go): appends fail with
// store.ErrLowDiskSpace, which senders retry, while queries and retention
// go on, and resume by themselves once there is room.
//
// Queries (query.go) are single SELECT statements over the logical names;
// the KQL compiler reads the event tables through the Workspace's
// kql/sql Layout (source.go, termmatch.go):
//
//   - Source: a SELECT of just the columns a query names instead of the
//     view, whose ~230 columns DuckDB binds for every statement, ~3.5 ms.
//   - Column: a filter right on the scan reads a cold column through its
//     wsec_col expression, not through the Source's projection, which
//     DuckDB does not always push the filter below (it then computed the
//     column for every row first).
//   - TermFilter: before has, contains and the like over EventData or a
//     cold column, a substring test of the stored parts its text is made
//     of (_Vals, the shared columns, the template's names), so that only
//     rows that pass are looked at; schema.EventDataPieceTerm says for
//     which terms that is exact (no markup or escaping in them).
//   - TermRows: before both, the term index (terms.go) names the batches
//     whose payloads hold the term's words, and DuckDB skips the row
//     groups of all others.
//   - TermMatch: for those rows, wsec_has decides has/contains/... over
//     EventData from the stored values without rendering the XML (ASCII
//     text; elsewhere it says "unknown" and the rendered text decides).
//
// scripts/bench-scale.sh's queries over 1M synthetic events, each binary
// twice, interleaved, load 15-18 (ms, and ratio to plain DuckDB SQL over a
// table with the columns physical): count 9-19 → 2 (1 ms in SQL), the last
// hour by EventID 11-14 → 3-5 (1-2), EventData has "S-1-5-18" (a third of
// the rows match) 7.2-7.7 s → 1.4-1.5 s (ratio 1.6-1.8 → 0.3-0.4).
//
// The database runs with external access disabled and its configuration
// locked, so a query reads this workspace's file and nothing else, and
// results are bounded in rows and bytes. Queries see every committed batch
// and run in parallel with appends.
//
// Retention (retention.go) deletes rows received (_TimeReceived) longer ago
// than their table's retention — not by TimeGenerated, so logs of an old
// incident imported today stay — in slices of bounded size, the write lock
// taken per slice, so that ingest goes on during a pass. An event deleted
// by retention is stored again if sent again (its key left in a dedup
// filter is a false positive, confirmed against the tables).
//
// A new database file is readable by DuckDB 1.3 or later (its storage
// version; files created before keep 1.2), but the views need wsec_col
// (registered by this package at open) for cold columns and EventData; the
// hot columns, _Vals and wsec_templates are plain tables.
//
// # Memory
//
// A workspace's memory has two parts, and wsec_store_duckdb_memory_bytes
// (DuckDB's own accounting, by tag) beside the Go runtime's metrics tells
// them apart:
//
//   - DuckDB's, bounded by Options.MemoryLimitBytes (serve's --store-memory,
//     256 MiB): the rows appended since the last checkpoint (IN_MEMORY_TABLE,
//     up to ~130 MB at the 64 MiB WAL threshold), running queries' hash
//     tables, and a cache of the blocks checkpoints wrote and queries read
//     (BASE_TABLE), which fills whatever the limit leaves. During a load
//     that cache is nearly all blocks ingest never reads again, so the
//     limit costs it nothing: one agent → serve at 52.4k events/s with
//     256 MiB against 53.0k with 512 (medians of 3 alternated, machine
//     busy), and bench-scale's queries at 10M events the same.
//   - Go's: the dedup filters (at most Options.MaxDedupKeys keys, ~2.4 bytes
//     each: 48 MB for 20M keys) and the batches being decoded, mapped and
//     encoded (100-170 MB live with 4 senders of 10,000-event batches).
//     With the collector's default target the Go runtime holds about twice
//     what is live (~280 MB at 20M events).
//
// bench-scale at 100M events of one day: serve's peak RSS 857 MB with
// 256 MiB (1,104 MB with 512; 820 MB in a later run with storage v1.3.0).
// The price shows there: a GROUP BY on a hot column no longer stays in
// DuckDB's cache between queries (272 ms against 166, 1.9 times plain SQL
// against 1.0; 362 against 157 in the later run), still well within the
// issue's 3 s.
//
// # Performance (duckdb_bench_test.go)
//
//	go test -run XXX -bench 'AppendEvents|Encode|Map|Query' -benchtime 80x ./internal/store/duckdb
//
// AppendEvents of real Security events (the 739-record Windows 10 log of
// testdata, ~8% Sysmon), all new, checkpoints included, each sender
// re-stamping one batch (two runs each):
//
//	batch 10000, 4 senders, 2 writers   221-227k events/s   8.1 cpu-µs/event
//	batch 10000, 4 senders, 1 writer    221-225k events/s   6.4-6.6
//	batch 10000, 1 sender,  2 writers   176-191k events/s   6.9-7.5
//	batch  1000, 4 senders, 2 writers   157-164k events/s   10.0-10.6
//	batch  1000, 4 senders, 1 writer    131-139k events/s   10.2-10.9
//	batch  1000, 1 sender,  2 writers    87-97k  events/s   10.8-12.1
//
// The machine is shared: the same binary measures ±10% from run to run
// (200-252k events/s for the first line over a day). The store is
// CPU-bound; of a profile of the first line, DuckDB (commit with its WAL,
// the appender's flush, checkpoints, its own threads) takes about half, the
// mapper ~1 µs per event, the encoder (_Vals, templates, mirror checks)
// ~2 µs, dedup and group bookkeeping ~0.5 µs. Queries over 185k events: a
// GROUP BY on a hot column ~10 ms, on a cold column ~36 ms, a LIKE over the
// rendered EventData ~250 ms (rendering is the price of not storing it).
//
// The figures above are of format 2 (14 hot columns, FSST _Vals) on a quiet
// machine. Format 3 (shared columns, zstd _Vals) was measured on a machine
// at load 12-25, each binary twice, interleaved, 40 batches of the first
// line, then BenchmarkQuery (200k events; ms):
//
//	                            format 2     shared cols   + zstd _Vals
//	append cpu-µs/event         8.8, 11.6    12.4, 10.9    11.1, 13.3
//	GROUP BY Account (hot)      56, 58       59, 74        21, 30
//	GROUP BY IpAddress          301, 139     43, 29        18, 38
//	TargetUserName = 'SYSTEM'   217, 207     20, 22        18, 38
//	contains(CommandLine)       91, 188      39, 17        26, 26
//	GROUP BY ObjectType (cold)  138, 147     132, 105      77, 100
//	EventData LIKE              1192, 1113   1047, 1212    1612, 1333
//
// and by scripts/bench-scale.sh 2000000 (load 9-30; ratio to plain DuckDB
// SQL over a table with the columns physical): GROUP BY IpAddress 8.3× →
// 1.8×, CommandLine has "x" 3.4× → 0.6×, EventData has "x" 2.0× → 3.4×
// (the reference's own time varied 7.8-22 s between runs), disk 135 → 60
// bytes per event, the last 10% of the load at 40% → 98% of the first 10%'s
// rate, serve's peak RSS 876 → 701 MB. So: the shared columns cost ~1-2
// cpu-µs per event and make the columns rules name most 3-10× faster; zstd
// costs no measurable append CPU, reads cold columns no slower and
// EventData ~20% slower, and halves the disk.
package duckdb
