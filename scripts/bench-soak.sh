#!/usr/bin/env bash
# The soak of issue 14 (not CI): one wsec-agent ships its synthetic source
# paced at RATE events/s for SECONDS to a real `wsec serve` whose retention
# runs every RETENTION_EVERY, while an analyst's queries run every 10 s.
# What a production workspace must show over the hour is that nothing
# drifts: serve's RSS stays flat, queries stay fast, and events stay
# queryable within seconds of being written (p99 < 2 s) from the first
# minute to the last, even while retention deletes a day of old rows.
#
#   scripts/bench-soak.sh [RATE] [SECONDS]      (default 50000 3600)
#
# Before the soak, OLD_EVENTS (default 2,000,000) events are loaded and
# made to look received 90 days minus EXPIRE_AFTER (default 10m) ago: the
# default retention is 90 days, so the first retention pass after that
# deletes them while ingest goes on. Every 10 s a line
# shows serve's RSS, the query's time and the events queryable so far.
# At the end: per 5 minutes, events, the p50/p99/max of
# event-to-queryable (_TimeReceived - TimeGenerated; the source's pacing
# tick of up to 250 ms included), serve's RSS range and the queries' times.
#
# Needs disk: about 70 bytes per event (RATE × SECONDS events). BENCH_DIR
# keeps the data there (default: a temporary directory, removed at the
# end). The machine is shared: quote figures as such.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/fault-common.sh
rate=${1:-50000}
secs=${2:-3600}
old=${OLD_EVENTS:-2000000}
every=${RETENTION_EVERY:-5m}
expire=${EXPIRE_AFTER:-10m}
case $expire in *m) ;; *) echo "EXPIRE_AFTER is in minutes, like 10m" >&2; exit 2 ;; esac
. scripts/bench-common.sh
bench_init bench-soak
new_workspace "$tmp/ws"
# Retention counts from _TimeReceived: the rows loaded now are moved back
# with serve stopped.
start_serve "$tmp/ws" --retention-interval "$every"
export WSEC_URL=$url WSEC_WORKSPACE=$id
say "loading $old events that will pass the 90-day retention $expire into the soak"
"$tmp/benchscale" load --url "$url" --workspace "$id" --key "$key" --events "$old" --day "$(date -u -d '100 days ago' +%F)" --pid "$serve_pid" | sed 's/^/  /'
stop_serve
"$tmp/benchscale" age --db "$tmp/ws/store/$id.duckdb" --by "$(awk -v e="$(echo "$expire" | sed 's/m$//')" 'BEGIN{printf "%dm", 90 * 24 * 60 - e}')" | sed 's/^/  /'
start_serve "$tmp/ws" --retention-interval "$every"
export WSEC_URL=$url

say "soak: $((rate * secs)) events at $rate/s for ${secs}s, retention every $every, a query every 10 s"
paced_agent "$tmp/agent.json" "$rate" "$secs"
"$tmp/wsec-agent" run --config "$tmp/agent.json" 2>"$tmp/agent.log" &
agent_pid=$!

queries=(
	'SecurityEvent | where TimeGenerated > ago(5m) | count'
	'SecurityEvent | where TimeGenerated > ago(1h) | summarize count() by EventID'
	'SecurityEvent | where TimeGenerated > ago(15m) and EventID == 4625 | summarize n = count() by IpAddress, TargetUserName | top 10 by n'
	'SecurityEvent | where TimeGenerated > ago(10m) and CommandLine has "powershell" | summarize count() by Computer'
)
# samples.tsv: seconds since start, RSS in MB, query index, query ms.
: >"$tmp/samples.tsv"
t0=$(date +%s)
i=0
while kill -0 "$agent_pid" 2>/dev/null; do
	sleep 10
	rss=$(awk '/^VmRSS/{printf "%d", $2/1024}' "/proc/$serve_pid/status")
	q=${queries[$((i % ${#queries[@]}))]}
	a=$(date +%s%N)
	out=$("$tmp/wsec" query --format csv "$q" 2>&1) || { say "query failed: $q: $out"; exit 1; }
	ms=$((($(date +%s%N) - a) / 1000000))
	now=$(($(date +%s) - t0))
	printf '%d\t%d\t%d\t%d\n' "$now" "$rss" "$((i % ${#queries[@]}))" "$ms" >>"$tmp/samples.tsv"
	[ $((i % 6)) -eq 0 ] && say "  ${now}s: serve RSS ${rss} MB; query $((i % ${#queries[@]})) took ${ms} ms; $(scalar 'SecurityEvent | where TimeGenerated > ago(2h) | count') events queryable"
	i=$((i + 1))
done
wait "$agent_pid" || { say "the agent failed; its log:"; tail -20 "$tmp/agent.log"; exit 1; }
say "the agent is done; retention passes in serve's log:"
grep '"retention deleted rows"' "$tmp/ws.serve.log" | sed 's/^/  /' | head -5 || true

echo
echo "== bench-soak $rate events/s for ${secs}s, $(date -u +%FT%TZ), $(nproc) cores (shared: quote as such)"
echo "aged rows left (retention must have deleted them all): $(scalar "SecurityEvent | where TimeGenerated < ago(30d) | count") of $old"
echo "per 5 minutes: event-to-queryable"
"$tmp/wsec" query --format table 'SecurityEvent
| where TimeGenerated > ago(30d)
| extend ms = datetime_diff("millisecond", _TimeReceived, TimeGenerated)
| summarize events = count(), p50_ms = percentile(ms, 50), p99_ms = percentile(ms, 99), max_ms = max(ms) by minute = bin(TimeGenerated, 5m)
| order by minute asc'
echo "per 5 minutes: serve RSS (MB) and query times (ms)"
awk -F'\t' '{b = int($1 / 300); if (!(b in lo) || $2 < lo[b]) lo[b] = $2; if ($2 > hi[b]) hi[b] = $2; if ($4 > qmax[b]) qmax[b] = $4; qs[b] += $4; n[b]++}
END {printf "%-8s %8s %8s %10s %10s\n", "minute", "rss_min", "rss_max", "query_avg", "query_max"; for (b = 0; b in n; b++) printf "%-8d %8d %8d %10.0f %10d\n", b * 5, lo[b], hi[b], qs[b] / n[b], qmax[b]}' "$tmp/samples.tsv"
