package sql

import (
	"context"
	dbsql "database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wsec/internal/kql"
	"wsec/internal/schema"
)

// The benchmark compares, in one run, the KQL path (parse, check, compile,
// execute) of ten typical Sentinel queries with the same queries written by
// hand in DuckDB SQL, over a SecurityEvent table with every logical column
// and benchRows rows. The data is generated in DuckDB from real-looking
// distributions (see benchData); each iteration runs both forms, so machine
// load hits both alike. Reported: kql-ms/op, sql-ms/op, kql/sql ratio,
// events/s of the KQL path.

const benchRowsDefault = 5_000_000

// benchNow is the clock of the benchmark queries; the data spans the 7 days
// before it.
var benchNow = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)

type benchQuery struct {
	name string
	kql  string
	sql  string // hand-written DuckDB SQL with the same result
}

// benchQueries are typical analytic-rule and hunting shapes. The SQL is
// what one would write by hand for the same KQL semantics (term matching
// for has, absent strings as "", ...).
func benchQueries() []benchQuery {
	day := "TIMESTAMP '2026-01-09 12:00:00'"
	return []benchQuery{
		{"failed_logons_by_account",
			`SecurityEvent | where TimeGenerated > ago(1d) | where EventID == 4625 | summarize FailedLogons = count() by Account, Computer | where FailedLogons > 5`,
			`SELECT Account, Computer, count(*) AS FailedLogons FROM SecurityEvent WHERE TimeGenerated > ` + day + ` AND EventID = 4625 GROUP BY ALL HAVING count(*) > 5`},
		{"logons_by_type",
			`SecurityEvent | where EventID in (4624, 4625) | where AccountType == 'User' | summarize StartTime = min(TimeGenerated), EndTime = max(TimeGenerated), Amount = count() by LogonTypeName`,
			`SELECT coalesce(LogonTypeName, '') AS LogonTypeName, min(TimeGenerated), max(TimeGenerated), count(*) FROM SecurityEvent WHERE EventID IN (4624, 4625) AND AccountType = 'User' GROUP BY 1`},
		{"process_has_terms",
			`SecurityEvent | where EventID == 4688 | where CommandLine has "whoami" or CommandLine has "mimikatz" | project TimeGenerated, Computer, Account, CommandLine`,
			`SELECT TimeGenerated, Computer, Account, CommandLine FROM SecurityEvent WHERE EventID = 4688 AND (regexp_matches(CommandLine, '(?i)(^|[^\pL\pN])whoami($|[^\pL\pN])') OR regexp_matches(CommandLine, '(?i)(^|[^\pL\pN])mimikatz($|[^\pL\pN])'))`},
		{"encoded_powershell",
			`SecurityEvent | where EventID == 4688 | where Process =~ "powershell.exe" and CommandLine contains "-enc" | summarize count() by Computer`,
			`SELECT Computer, count(*) FROM SecurityEvent WHERE EventID = 4688 AND lower(Process) = 'powershell.exe' AND CommandLine ILIKE '%-enc%' GROUP BY Computer`},
		{"events_per_hour",
			`SecurityEvent | where TimeGenerated > ago(7d) | summarize count() by bin(TimeGenerated, 1h), EventID`,
			`SELECT time_bucket(INTERVAL 1 HOUR, TimeGenerated) AS h, EventID, count(*) FROM SecurityEvent WHERE TimeGenerated > TIMESTAMP '2026-01-03 12:00:00' GROUP BY ALL`},
		{"accounts_on_many_hosts",
			`SecurityEvent | where EventID == 4624 | summarize Hosts = dcount(Computer) by Account | where Hosts > 3`,
			`SELECT Account, count(DISTINCT Computer) AS Hosts FROM SecurityEvent WHERE EventID = 4624 GROUP BY Account HAVING count(DISTINCT Computer) > 3`},
		{"failure_then_success_join",
			`SecurityEvent | where EventID == 4625 | summarize Failures = count() by Account, IpAddress | where Failures > 10
| join kind=inner (SecurityEvent | where EventID == 4624 | summarize Successes = count() by Account, IpAddress) on Account, IpAddress`,
			`SELECT f.Account, f.IpAddress, f.Failures, s.Account, s.IpAddress, s.Successes FROM
 (SELECT Account, IpAddress, count(*) AS Failures FROM SecurityEvent WHERE EventID = 4625 GROUP BY ALL HAVING count(*) > 10) f
 JOIN (SELECT Account, IpAddress, count(*) AS Successes FROM SecurityEvent WHERE EventID = 4624 GROUP BY ALL) s
 ON f.Account = s.Account AND f.IpAddress = s.IpAddress`},
		{"top_processes",
			`SecurityEvent | where EventID == 4688 | summarize c = count() by Process | top 10 by c`,
			`SELECT Process, count(*) AS c FROM SecurityEvent WHERE EventID = 4688 GROUP BY Process ORDER BY c DESC LIMIT 10`},
		{"outcome_windows",
			`SecurityEvent | where EventID in (4624, 4625) | where IpAddress != "-" and isnotempty(Account) | extend Outcome = iff(EventID == 4624, "Success", "Failure") | summarize OutcomeCount = count() by bin(TimeGenerated, 10m), Account, IpAddress, Computer, Outcome`,
			`SELECT time_bucket(INTERVAL 10 MINUTE, TimeGenerated), Account, IpAddress, Computer, CASE WHEN EventID = 4624 THEN 'Success' ELSE 'Failure' END AS Outcome, count(*) FROM SecurityEvent
 WHERE EventID IN (4624, 4625) AND IpAddress IS DISTINCT FROM '-' AND Account <> '' GROUP BY ALL`},
		{"last_logon_per_account",
			`SecurityEvent | where EventID == 4624 and LogonType == 10 | summarize arg_max(TimeGenerated, IpAddress, Computer) by Account`,
			`SELECT Account, max(TimeGenerated), arg_max(IpAddress, TimeGenerated), arg_max(Computer, TimeGenerated) FROM SecurityEvent WHERE EventID = 4624 AND LogonType = 10 GROUP BY Account`},
	}
}

var benchDB struct {
	once sync.Once
	db   *dbsql.DB
	rows int
	err  error
}

func benchRows() int {
	if s := os.Getenv("WSEC_BENCH_ROWS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return benchRowsDefault
}

// openBenchDB opens (once per process) a file-backed DuckDB with the full
// SecurityEvent schema and benchRows generated rows. The file is kept in
// the temporary directory, named by row count and data version, and reused
// by later runs (generating 5M rows takes about a minute on 2 cores).
func openBenchDB(b *testing.B) *dbsql.DB {
	benchDB.once.Do(func() {
		benchDB.rows = benchRows()
		path := filepath.Join(os.TempDir(), fmt.Sprintf("wsec-kql-bench-v1-%d.duckdb", benchDB.rows))
		db, err := dbsql.Open("duckdb", path)
		if err != nil {
			benchDB.err = err
			return
		}
		var have int
		if err := db.QueryRow("SELECT count(*) FROM SecurityEvent").Scan(&have); err == nil && have == benchDB.rows {
			benchDB.db = db
			return
		}
		db.Exec("DROP TABLE IF EXISTS SecurityEvent")
		cat := schema.New()
		se, _ := cat.Table(schema.SecurityEventTable)
		if err := createTable(db, se.Name, se.Columns); err != nil {
			benchDB.err = err
			return
		}
		start := time.Now()
		if _, err := db.Exec(benchData(benchDB.rows)); err != nil {
			benchDB.err = fmt.Errorf("generate: %w", err)
			return
		}
		if _, err := db.Exec("CHECKPOINT"); err != nil {
			benchDB.err = fmt.Errorf("checkpoint: %w", err)
			return
		}
		b.Logf("generated %d SecurityEvent rows in %v into %s", benchDB.rows, time.Since(start).Round(time.Millisecond), path)
		benchDB.db = db
	})
	if benchDB.err != nil {
		b.Fatal(benchDB.err)
	}
	return benchDB.db
}

// benchData is the INSERT that generates the rows: 7 days of events over
// 200 hosts and 2000 accounts with Security-log proportions (4624 40%,
// 4634 15%, 4688 30%, 4625 10%, others 5%), addresses including "-", and
// command lines built from real tool names.
func benchData(n int) string {
	return `INSERT INTO SecurityEvent (TimeGenerated, Computer, EventID, Channel, EventSourceName, Task, Level, Account, AccountType,
  TargetUserName, TargetDomainName, SubjectUserName, SubjectDomainName, IpAddress, LogonType, LogonTypeName, Process, NewProcessName,
  ParentProcessName, CommandLine, SubStatus, TargetLogonId, SubjectLogonId, Activity, Type, SourceSystem)
SELECT
  TIMESTAMP '2026-01-03 12:00:00' + to_microseconds(CAST(hash(i) % 604800000000 AS BIGINT)) AS TimeGenerated,
  'WS' || lpad(CAST(i % 200 AS VARCHAR), 4, '0') || '.contoso.com',
  ev,
  'Security', 'Microsoft-Windows-Security-Auditing', 12544, '0',
  'CONTOSO\user' || CAST((i * 7) % 2000 AS VARCHAR),
  CASE WHEN i % 10 = 0 THEN 'Machine' ELSE 'User' END,
  'user' || CAST((i * 7) % 2000 AS VARCHAR), 'CONTOSO', 'SYSTEM', 'NT AUTHORITY',
  CASE WHEN ev IN (4624, 4625) THEN CASE WHEN i % 9 = 0 THEN '-' ELSE '10.' || CAST(i % 250 AS VARCHAR) || '.' || CAST((i // 250) % 4 AS VARCHAR) || '.' || CAST(i % 7 AS VARCHAR) END END,
  CASE WHEN ev IN (4624, 4625) THEN [2, 3, 3, 3, 5, 10][1 + i % 6] END,
  CASE WHEN ev IN (4624, 4625) THEN ['2 - Interactive', '3 - Network', '3 - Network', '3 - Network', '5 - Service', '10 - RemoteInteractive'][1 + i % 6] END,
  proc,
  CASE WHEN ev = 4688 THEN 'C:\Windows\System32\' || proc END,
  CASE WHEN ev = 4688 THEN 'C:\Windows\explorer.exe' END,
  CASE WHEN ev = 4688 THEN proc || [' /c whoami /all', ' -nop -enc SQBFAFgAIAAoAE4AZQB3AA==', ' user admin /domain', ' -k netsvcs', ' "sekurlsa::logonpasswords" exit', ' /s /q c:\temp\x'][1 + i % 6] END,
  CASE WHEN ev = 4625 THEN ['0xc000006a', '0xc0000064', '0xc000006d'][1 + i % 3] END,
  CASE WHEN ev = 4624 THEN '0x' || lower(hex(i % 100000)) END,
  '0x' || lower(hex((i * 3) % 100000)),
  CAST(ev AS VARCHAR) || ' - event', 'SecurityEvent', 'OpsManager'
FROM (SELECT i,
  CASE WHEN i % 20 < 8 THEN 4624 WHEN i % 20 < 11 THEN 4634 WHEN i % 20 < 17 THEN 4688 WHEN i % 20 < 19 THEN 4625 ELSE 4672 END AS ev,
  ['cmd.exe', 'powershell.exe', 'net.exe', 'svchost.exe', 'mimikatz.exe', 'sdelete.exe', 'conhost.exe', 'taskhostw.exe'][1 + (i // 3) % 8] AS proc
  FROM range(` + strconv.Itoa(n) + `) AS r(i))`
}

func runCount(db *dbsql.DB, q string) (int, error) {
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

// BenchmarkSentinelKQLvsSQL reports, per query, the KQL path's time, the
// hand-written SQL's time and their ratio (target: at most 1.2).
func BenchmarkSentinelKQLvsSQL(b *testing.B) {
	db := openBenchDB(b)
	cat := kql.NewCatalog(schema.New())
	ratios := map[string]float64{}
	for _, bq := range benchQueries() {
		b.Run(bq.name, func(b *testing.B) {
			// Both forms must agree before they are timed.
			q, err := kql.Parse(bq.kql)
			if err != nil {
				b.Fatal(err)
			}
			sqlText, _, err := Compile(q, cat, DuckDB{}, Options{Now: benchNow})
			if err != nil {
				b.Fatal(err)
			}
			nk, err := runCount(db, sqlText)
			if err != nil {
				b.Fatalf("kql: %v\n%s", err, sqlText)
			}
			ns, err := runCount(db, bq.sql)
			if err != nil {
				b.Fatalf("sql: %v", err)
			}
			if nk != ns {
				b.Fatalf("row counts differ: kql %d, sql %d", nk, ns)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(bq.kql)))
			var kqlTime, sqlTime time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				q, err := kql.Parse(bq.kql)
				if err != nil {
					b.Fatal(err)
				}
				s, _, err := Compile(q, cat, DuckDB{}, Options{Now: benchNow})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := runCount(db, s); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := runCount(db, bq.sql); err != nil {
					b.Fatal(err)
				}
				kqlTime += t1.Sub(t0)
				sqlTime += time.Since(t1)
			}
			b.StopTimer()
			ratio := float64(kqlTime) / float64(sqlTime)
			ratios[bq.name] = ratio
			b.ReportMetric(kqlTime.Seconds()*1e3/float64(b.N), "kql-ms/op")
			b.ReportMetric(sqlTime.Seconds()*1e3/float64(b.N), "sql-ms/op")
			b.ReportMetric(ratio, "kql/sql")
			b.ReportMetric(float64(benchDB.rows)*float64(b.N)/kqlTime.Seconds(), "events/s")
		})
	}
	if len(ratios) == len(benchQueries()) {
		names := make([]string, 0, len(ratios))
		for n := range ratios {
			names = append(names, n)
		}
		sort.Strings(names)
		var lines []string
		for _, n := range names {
			lines = append(lines, fmt.Sprintf("%-28s %.2f", n, ratios[n]))
		}
		b.Logf("KQL/SQL time ratio over %d rows:\n%s", benchDB.rows, strings.Join(lines, "\n"))
	}
}
