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
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
. scripts/bench-common.sh
bench_init bench-agent-latency
new_workspace "$tmp/ws"
start_serve "$tmp/ws"
paced_agent "$tmp/agent.json" "$rate" "$secs"
/usr/bin/time -f "%U %S %e %M" -o "$tmp/agent.time" "$tmp/wsec-agent" run --config "$tmp/agent.json" 2>"$tmp/agent.log"
read -r user sys wall rss <"$tmp/agent.time"

export WSEC_URL=$url WSEC_WORKSPACE=$id
echo "agent: $((rate * secs)) events at $rate/s over ${wall}s wall: CPU $(awk -v u="$user" -v s="$sys" -v w="$wall" 'BEGIN{printf "%.2f%% of one core", 100*(u+s)/w}'), peak RSS $((rss / 1024)) MB"
"$tmp/wsec" query 'SecurityEvent
| extend ms = datetime_diff("millisecond", _TimeReceived, TimeGenerated)
| summarize events = count(), p50_ms = percentile(ms, 50), p99_ms = percentile(ms, 99), max_ms = max(ms)'
