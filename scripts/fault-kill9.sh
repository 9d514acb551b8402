#!/usr/bin/env bash
# Repeated kill -9 of agent and server (issue 9): wsec-agent ships COUNT
# synthetic events paced at RATE/s to a real `wsec serve` while, every
# 2–6 s, one of the two (alternately) is killed with SIGKILL and
# restarted, KILLS times in all; then the agent runs until it has
# delivered everything and exits. Reports events sent, rows stored,
# distinct identities (Computer, Channel, EventRecordID, TimeGenerated),
# lost = sent - distinct and duplicated = rows - distinct: both must be 0.
#
#   scripts/fault-kill9.sh [COUNT] [RATE] [KILLS]
#
# COMPRESSION sets the agent's compression (zstd, the default, s2 or gzip).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/fault-common.sh
count=${1:-600000}
rate=${2:-10000}
kills=${3:-15}
tmp=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/wsec" ./cmd/wsec
CGO_ENABLED=0 go build -o "$tmp/wsec-agent" ./cmd/wsec-agent
"$tmp/wsec" workspace create --data "$tmp/ws" --name fault --json >"$tmp/ws.json"
id=$(sed -n 's/.*"id": "\(.*\)".*/\1/p' "$tmp/ws.json")
key=$(sed -n 's/.*"primaryKey": "\(.*\)".*/\1/p' "$tmp/ws.json")
query_token "$tmp/ws" "$id"
port=$((20000 + RANDOM % 20000))

serve() {
	"$tmp/wsec" serve --data "$tmp/ws" --listen "127.0.0.1:$port" 2>>"$tmp/serve.log" &
	server=$!
	for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
	echo "wsec serve did not come up; see its log:" >&2
	tail "$tmp/serve.log" >&2
	exit 1
}
agent() {
	"$tmp/wsec-agent" run --config "$tmp/agent.json" 2>>"$tmp/agent.log" &
	agent=$!
}

start=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
cat >"$tmp/agent.json" <<JSON
{
  "dataDir": "$tmp/agent",
  "exitWhenDone": true,
  "sources": [{"kind": "synthetic", "rate": $rate, "count": $count, "start": "$start"}],
  "destinations": [{"name": "fault", "url": "http://127.0.0.1:$port", "workspace": "$id", "key": "$key", "eventSet": "All", "compression": "${COMPRESSION:-zstd}"}]
}
JSON
serve
agent
for k in $(seq "$kills"); do
	sleep "$((2 + RANDOM % 5))"
	if ((k % 2)); then
		kill -9 "$agent" 2>/dev/null || true
		wait "$agent" 2>/dev/null || true
		agent
		echo "kill $k: agent"
	else
		kill -9 "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
		serve
		echo "kill $k: server"
	fi
done
# The agent exits 0 once every event is generated and acknowledged; a
# kill may have landed after it finished, so run it until it says so.
until wait "$agent"; do agent; done

export WSEC_URL=http://127.0.0.1:$port WSEC_WORKSPACE=$id
echo "agent: $count synthetic events at $rate/s; $kills kills -9, alternately agent and server"
report_loss "$count"
