#!/usr/bin/env bash
# Single-machine scale of the embedded store (issue 14; not CI): runs the
# whole thing on this machine and prints the figures, with progress lines.
#
#   1. one wsec-agent (synthetic source, unpaced, E2E_EVENTS events) → a
#      real `wsec serve` on this machine: events/s end to end, over the whole
#      run and steady (serve's stored events between 10% and 90%), and the CPU
#      seconds per million events of each process (on a shared machine the
#      wall rate depends on the neighbours; the CPU-s do much less);
#   2. the store path alone (BenchmarkAppendEvents, batch 10000, 4 senders,
#      2 writers, -count 3): the median events/s;
#   3. EVENTS events (default 10,000,000) of one UTC day of TimeCreated sent
#      to a fresh workspace by 4 senders in batches of 10,000: events/s over
#      the first and the last 10 %, serve's peak RSS; then kill -9 and a
#      restart: the time until the first batch is accepted; disk bytes per
#      event;
#   4. the issue's queries at that size through wsec, each beside the same
#      query in plain DuckDB SQL over a table of the same rows with the
#      columns they read physical (benchscale's refColumns; the others
#      would not change a column store's times) (medians of 3; ratio);
#      EventData has twice: a term in a third of the events and one logon
#      ID (an investigator's pivot, in a few events); then serve is stopped (a clean close checkpoints) and the disk per
#      event measured.
#
#   scripts/bench-scale.sh [EVENTS]
#
# Needs disk: about 100 bytes per event for the workspace and 60 for the
# reference table. E2E_EVENTS sets step 1's events (default 1,000,000);
# E2E_PROFILE=DIR also writes step 1's CPU profiles there: agent.pprof
# (wsec-agent run --cpuprofile) and serve.pprof (wsec serve --debug-listen,
# the first E2E_PROFILE_SECONDS, default 10, of the run); E2E_COMPRESSION
# sets the agent's compression (default: the agent's, s2 for a workspace
# on the same machine);
# STORE_BENCH=0 skips step 2; QUERIES=0 skips step 4's reference and
# queries (the reference takes most of a run: ~45 of 85 minutes at 100M
# events); SERVE_FLAGS are added to wsec serve's flags (e.g. --store-memory
# 1GiB). BENCH_DIR keeps the data there (default: a temporary directory,
# removed at the end). The machine is shared: quote figures as such.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/fault-common.sh
events=${1:-10000000}
e2e=${E2E_EVENTS:-1000000}
. scripts/bench-common.sh
bench_init bench-scale
summary=()
figure() { summary+=("$*"); say "$*"; }

# 1. Agent → serve.
say "1/4 one agent → wsec serve: $e2e synthetic events, unpaced"
new_workspace "$tmp/e2e"
profile=()
if [ -n "${E2E_PROFILE:-}" ]; then
	mkdir -p "$E2E_PROFILE"
	debug=127.0.0.1:$((40000 + RANDOM % 20000))
	profile=(--cpuprofile "$E2E_PROFILE/agent.pprof")
	start_serve "$tmp/e2e" --debug-listen "$debug"
	curl -sf -o "$E2E_PROFILE/serve.pprof" "http://$debug/debug/pprof/profile?seconds=${E2E_PROFILE_SECONDS:-10}" &
else
	start_serve "$tmp/e2e"
fi
# cpu_seconds PID: user+system CPU seconds the process has used.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
serve_cpu0=$(cpu_seconds "$serve_pid")
compression=""
[ -z "${E2E_COMPRESSION:-}" ] || compression=", \"compression\": \"$E2E_COMPRESSION\""
cat >"$tmp/agent.json" <<JSON
{
  "dataDir": "$tmp/agent",
  "exitWhenDone": true,
  "sources": [{"kind": "synthetic", "count": $e2e}],
  "destinations": [{"name": "bench", "url": "$url", "workspace": "$id", "key": "$key", "eventSet": "All"$compression}]
}
JSON
# Serve's stored-events counter twice a second: the steady rate, between
# 10% and 90% of the events, leaves out the agent's start and its last
# batches.
(while :; do
	echo "$(date +%s.%N) $(curl -sf "$url/metrics" | awk '/^wsec_ingest_events_total.*result="stored"/ {s += $2} END {printf "%.0f", s}')"
	sleep 0.5
done) >"$tmp/e2e.samples" &
sampler=$!
t0=$(date +%s.%N)
/usr/bin/time -f '%U %S' -o "$tmp/agent.time" "$tmp/wsec-agent" run --config "$tmp/agent.json" "${profile[@]}" 2>"$tmp/agent.log" |
	while read -r line; do say "  agent: $line"; done
t1=$(date +%s.%N)
serve_cpu1=$(cpu_seconds "$serve_pid")
stored=$(WSEC_URL=$url WSEC_WORKSPACE=$id scalar 'union SecurityEvent, WindowsEvent | count')
figure "agent → serve (${E2E_COMPRESSION:-default compression}): $stored of $e2e events stored in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s: $(awk -v n="$e2e" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", n/(b-a)}') events/s end to end"
kill "$sampler"
figure "agent → serve steady rate: $(awk -v n="$e2e" '$2 >= 0.1 * n && !t1 {t1 = $1; c1 = $2} $2 >= 0.9 * n && !t2 {t2 = $1; c2 = $2} END {if (t2 > t1) printf "%.0f events/s (from %d to %d events stored)", (c2 - c1) / (t2 - t1), c1, c2; else print "not measured"}' "$tmp/e2e.samples")"
figure "agent → serve CPU per million events: agent $(awk -v n="$e2e" '{printf "%.2f", ($1 + $2) * 1e6 / n}' "$tmp/agent.time") s, serve $(awk -v n="$e2e" -v a="$serve_cpu0" -v b="$serve_cpu1" 'BEGIN{printf "%.2f", (b - a) * 1e6 / n}') s"
wait %curl 2>/dev/null || true
stop_serve
rm -rf "$tmp/e2e" "$tmp/agent"

# 2. The store path (STORE_BENCH=0 skips it).
if [ "${STORE_BENCH:-1}" != 0 ]; then
say "2/4 store path: BenchmarkAppendEvents/batch=10000/senders=4/writers=2, -benchtime 80x -count 3"
go test -run XXX -bench 'AppendEvents/batch=10000/senders=4/writers=2$' -benchtime 80x -count 3 ./internal/store/duckdb >"$tmp/store-bench.log" 2>&1
rates=$(grep -o '[0-9.]* events/s' "$tmp/store-bench.log" | awk '{print $1}' | sort -n | tr '\n' ' ')
figure "store path: $(echo "$rates" | awk '{printf "%.0f", $2}') events/s median (runs: $rates)"
fi

# 3. A day of events into one workspace.
day=$(date -u -d '2 days ago' +%F)
say "3/4 $events events of $day into one workspace (4 senders, batches of 10,000)"
new_workspace "$tmp/day"
start_serve "$tmp/day"
"$tmp/benchscale" load --url "$url" --workspace "$id" --key "$key" --events "$events" --day "$day" --pid "$serve_pid" | tee "$tmp/load.log"
figure "$(grep '^load:' "$tmp/load.log")"
figure "$(grep '^serve RSS' "$tmp/load.log")"
say "kill -9 wsec serve, then start it again"
kill -9 "$serve_pid"
wait "$serve_pid" 2>/dev/null || true
since=$(date +%s%N)
"$tmp/wsec" serve --data "$tmp/day" --listen "127.0.0.1:$port" ${SERVE_FLAGS:-} 2>>"$tmp/day.serve.log" &
serve_pid=$!
"$tmp/benchscale" first --url "$url" --workspace "$id" --key "$key" --events "$events" --day "$day" --since "$since" | tee "$tmp/first.log"
figure "$(cat "$tmp/first.log")"

# 4. Queries beside plain DuckDB SQL (QUERIES=0 skips them).
if [ "${QUERIES:-1}" != 0 ]; then
say "4/4 reference table: the same $events rows, the columns the queries read physical"
"$tmp/benchscale" reference --ref "$tmp/ref.duckdb" --events "$events" --day "$day" | while read -r line; do say "$line"; done
say "queries: wsec (KQL over HTTP) beside plain DuckDB SQL over the reference, medians of 3"
"$tmp/benchscale" queries --events "$events" --url "$url" --workspace "$id" --token "$WSEC_TOKEN" --ref "$tmp/ref.duckdb" --day "$day" | tee "$tmp/queries.log"
else
: >"$tmp/queries.log"
fi
stop_serve
bytes=$(du -sb "$tmp/day/store" | awk '{print $1}')
figure "disk after a clean stop: $bytes bytes under store/ for $events events: $(awk -v b="$bytes" -v n="$events" 'BEGIN{printf "%.1f", b/n}') bytes per event"

echo
echo "== bench-scale $events events, $(date -u +%FT%TZ), $(nproc) cores (shared: quote as such)"
printf '%s\n' "${summary[@]}"
cat "$tmp/queries.log"
