#!/usr/bin/env bash
# Slow unauthenticated clients during an agent run (issue 9 item 4): SLOW
# clients without the key drip a body (half chunked, half with a
# Content-Length) to the ingestion endpoints
# (one chunk every 2 s, reconnecting whenever the server hangs up) while
# wsec-agent ships COUNT synthetic events paced at RATE/s to a real
# `wsec serve`. Reports events sent, stored, lost and duplicated, how the
# slow clients were answered, and the stall: the worst time from an
# event being due (its place in the paced stream) to its row being
# committed (_TimeReceived), which must stay below the server's body
# timeout (60 s). Exits non-zero when any of these fails.
# Lost = sent - distinct stored (Computer, Channel, EventRecordID,
# TimeGenerated); duplicated = stored rows - distinct.
#
#   scripts/fault-slow-clients.sh [SLOW] [RATE] [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/fault-common.sh
slow=${1:-16}
rate=${2:-2000}
count=${3:-60000}
body_timeout_ms=60000 # ingest.DefaultLimits BodyTimeout; wsec serve has no flag for it
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/wsec" ./cmd/wsec
CGO_ENABLED=0 go build -o "$tmp/wsec-agent" ./cmd/wsec-agent
"$tmp/wsec" workspace create --data "$tmp/ws" --name fault --json >"$tmp/ws.json"
id=$(sed -n 's/.*"id": "\(.*\)".*/\1/p' "$tmp/ws.json")
key=$(sed -n 's/.*"primaryKey": "\(.*\)".*/\1/p' "$tmp/ws.json")
query_token "$tmp/ws" "$id"
port=$((20000 + RANDOM % 20000))
"$tmp/wsec" serve --data "$tmp/ws" --listen "127.0.0.1:$port" 2>"$tmp/serve.log" &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

# drip PATH FRAMING: a client that knows the workspace ID but not the key,
# sending its body a byte every 2 s, chunked or with a Content-Length.
drip() {
	local path=$1 framing=$2 date length=$'Transfer-Encoding: chunked' piece=$'1\r\n[\r\n'
	if [ "$framing" = length ]; then length='Content-Length: 1000000' piece='['; fi
	while :; do
		date=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
		exec 3<>"/dev/tcp/127.0.0.1/$port" || { sleep 1; continue; }
		printf 'POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nLog-Type: Drip\r\nX-Wsec-Sender: drip\r\nX-Wsec-Seq: 1\r\nx-ms-date: %s\r\nAuthorization: SharedKey %s:%s\r\n%s\r\n\r\n' \
			"$path" "$date" "$id" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" "$length" >&3 2>/dev/null || true
		while printf '%s' "$piece" >&3 2>/dev/null; do
			sleep 2
			if read -r -t 0.01 line <&3; then # answered: the server hangs up
				echo "${line%$'\r'}" >>"$tmp/drip.log"
				break
			fi
		done
		exec 3>&-
	done
}
drippers=()
for i in $(seq "$slow"); do
	framing=chunked
	if ((i % 4 >= 2)); then framing=length; fi
	if ((i % 2)); then drip "/v1/workspaces/$id/events" $framing & else drip "/api/logs?api-version=2016-04-01" $framing & fi
	drippers+=($!)
done
sleep 3 # the slow clients are connected before the agent starts

start=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
cat >"$tmp/agent.json" <<JSON
{
  "dataDir": "$tmp/agent",
  "exitWhenDone": true,
  "sources": [{"kind": "synthetic", "rate": $rate, "count": $count, "start": "$start"}],
  "destinations": [{"name": "fault", "url": "http://127.0.0.1:$port", "workspace": "$id", "key": "$key", "eventSet": "All"}]
}
JSON
"$tmp/wsec-agent" run --config "$tmp/agent.json" 2>"$tmp/agent.log"
kill "${drippers[@]}" 2>/dev/null || true

export WSEC_URL=http://127.0.0.1:$port WSEC_WORKSPACE=$id
echo "slow clients: $slow; agent: $count synthetic events at $rate/s"
ok=0
report_loss "$count" || ok=1
# The synthetic source emits each event at its TimeCreated: its delay is
# its commit time minus that.
delay="SecurityEvent | extend delay_ms = datetime_diff('millisecond', _TimeReceived, TimeGenerated)"
"$tmp/wsec" query "$delay | summarize p50_ms = percentile(delay_ms, 50), p99_ms = percentile(delay_ms, 99), max_ms = max(delay_ms)"
stall=$(scalar "$delay | summarize max(delay_ms)")
echo "worst stall (event due to stored) ${stall} ms; the server's body timeout is ${body_timeout_ms} ms"
[ "${stall%.*}" -lt "$body_timeout_ms" ] || ok=1
echo "answers the slow clients read before hanging up:"
sort "$tmp/drip.log" | uniq -c
echo "server log, requests by route and status, and refusal reasons:"
grep -o '"route":"[^"]*","status":[0-9]*' "$tmp/serve.log" | sort | uniq -c | sort -rn
grep -o '"reason":"[^"]*"' "$tmp/serve.log" | sort | uniq -c | sort -rn
exit $ok
