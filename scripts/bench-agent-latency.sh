#!/usr/bin/env bash
# Event-to-queryable latency and agent cost at a steady rate: wsec-agent's
# synthetic source, paced at RATE events/s from a start time, emits each
# event when the clock reaches its TimeCreated (spaced 1/RATE apart, so at
# any rate), ships it to a real `wsec serve`, and the workspace stamps
# _TimeReceived when the row is committed (queryable). The percentiles of
# _TimeReceived - TimeGenerated are the latency, the source's pacing tick
# (up to 250 ms) included; /usr/bin/time gives the agent's CPU and peak RSS.
#
#   scripts/bench-agent-latency.sh [RATE] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/fault-common.sh
rate=${1:-1000}
secs=${2:-60}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }

go build -o "$tmp/wsec" ./cmd/wsec
CGO_ENABLED=0 go build -o "$tmp/wsec-agent" ./cmd/wsec-agent
"$tmp/wsec" workspace create --data "$tmp/ws" --name bench --json >"$tmp/ws.json"
id=$(sed -n 's/.*"id": "\(.*\)".*/\1/p' "$tmp/ws.json")
key=$(sed -n 's/.*"primaryKey": "\(.*\)".*/\1/p' "$tmp/ws.json")
query_token "$tmp/ws" "$id"
port=$((20000 + RANDOM % 20000))
"$tmp/wsec" serve --data "$tmp/ws" --listen "127.0.0.1:$port" 2>"$tmp/serve.log" &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

# The first event is due 2 s from now, after the agent has started.
start=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%S.%NZ)
cat >"$tmp/agent.json" <<JSON
{
  "dataDir": "$tmp/agent",
  "exitWhenDone": true,
  "sources": [{"kind": "synthetic", "rate": $rate, "count": $((rate * secs)), "start": "$start"}],
  "destinations": [{"name": "bench", "url": "http://127.0.0.1:$port", "workspace": "$id", "key": "$key", "eventSet": "All"}]
}
JSON
/usr/bin/time -f "%U %S %e %M" -o "$tmp/agent.time" "$tmp/wsec-agent" run --config "$tmp/agent.json" 2>"$tmp/agent.log"
read -r user sys wall rss <"$tmp/agent.time"

export WSEC_URL=http://127.0.0.1:$port WSEC_WORKSPACE=$id WSEC_KEY=$key
echo "agent: $((rate * secs)) events at $rate/s over ${wall}s wall: CPU $(awk -v u="$user" -v s="$sys" -v w="$wall" 'BEGIN{printf "%.2f%% of one core", 100*(u+s)/w}'), peak RSS $((rss / 1024)) MB"
"$tmp/wsec" query 'SecurityEvent
| extend ms = datetime_diff("millisecond", _TimeReceived, TimeGenerated)
| summarize events = count(), p50_ms = percentile(ms, 50), p99_ms = percentile(ms, 99), max_ms = max(ms)'
