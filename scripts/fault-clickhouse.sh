#!/usr/bin/env bash
# Stateless nodes on a ClickHouse cluster under kill -9 (issue 15): a
# two-shard cluster on loopback (scripts/clickhouse-cluster.sh), two
# `wsec serve` nodes on it behind HAProxy, a wsec-agent shipping COUNT
# synthetic events through the balancer, and an analytics rule that raises
# one alert every 5-minute window, imported on both nodes. Every 4-10 s,
# alternately, a random serve node or a random ClickHouse server is killed
# with SIGKILL and restarted, until the agent has delivered everything and
# the rule has evaluated WINDOWS windows. Then, through the balancer:
# exactly COUNT distinct events, none twice (report_loss), and one alert
# per window with no window missing; the nodes' logs tell how often each
# window was evaluated to the end.
#
#   scripts/fault-clickhouse.sh [COUNT] [RATE] [WINDOWS]
#
# Not in CI (it takes 10 minutes or more); cmd/wsec's
# TestClickHouseStatelessNodesKill9 is the short version.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/fault-common.sh
count=${1:-1000000}
rate=${2:-20000}
windows=${3:-3}
command -v haproxy >/dev/null || { echo "haproxy not installed (Debian package haproxy)" >&2; exit 3; }
tmp=$(mktemp -d)
chport=$((30000 + RANDOM % 20000))
trap 'kill -9 $(jobs -p) 2>/dev/null || true; scripts/clickhouse-cluster.sh stop "$tmp/ch"; rm -rf "$tmp"' EXIT

go build -o "$tmp/wsec" ./cmd/wsec
CGO_ENABLED=0 go build -o "$tmp/wsec-agent" ./cmd/wsec-agent
scripts/clickhouse-cluster.sh start "$tmp/ch" 2 "$chport" >/dev/null
store="clickhouse://127.0.0.1:$chport/fault?shards=127.0.0.1:$((chport + 10))"

"$tmp/wsec" workspace create --data "$tmp/n0" --name fault --json >"$tmp/ws.json"
id=$(sed -n 's/.*"id": "\(.*\)".*/\1/p' "$tmp/ws.json")
key=$(sed -n 's/.*"primaryKey": "\(.*\)".*/\1/p' "$tmp/ws.json")
admin=$("$tmp/wsec" token create --data "$tmp/n0" --user admin --workspace "$id" --role admin --json | sed -n 's/.*"token": "\(.*\)".*/\1/p')
query_token "$tmp/n0" "$id"
# The nodes share the cluster, the workspace keys, and the users and tokens.
mkdir -p "$tmp/n1"
cp "$tmp/n0/workspaces.json" "$tmp/n0/access.json" "$tmp/n1/"

ports=($((20000 + RANDOM % 5000)) $((25000 + RANDOM % 5000)))
pids=(0 0)
serve() { # serve I: start node I and wait until it answers
	"$tmp/wsec" serve --data "$tmp/n$1" --store "$store" --listen "127.0.0.1:${ports[$1]}" \
		--ingestion-delay 10s --lease-ttl 8s 2>>"$tmp/serve$1.log" &
	pids[$1]=$!
	for _ in $(seq 600); do curl -sf "http://127.0.0.1:${ports[$1]}/healthz" >/dev/null && return; sleep 0.1; done
	echo "wsec serve $1 did not come up; see its log:" >&2
	tail "$tmp/serve$1.log" >&2
	exit 1
}
serve 0
serve 1

lb=$((35000 + RANDOM % 5000))
cat >"$tmp/haproxy.cfg" <<CFG
global
  maxconn 256
defaults
  mode http
  timeout connect 2s
  timeout client 120s
  timeout server 120s
  retries 3
  option redispatch
frontend wsec
  bind 127.0.0.1:$lb
  default_backend nodes
backend nodes
  balance roundrobin
  option httpchk GET /healthz
  server n0 127.0.0.1:${ports[0]} check inter 200 fall 1 rise 2
  server n1 127.0.0.1:${ports[1]} check inter 200 fall 1 rise 2
CFG
haproxy -f "$tmp/haproxy.cfg" -db 2>>"$tmp/haproxy.log" &

# One alert per window whatever the events: the rule counts the window's rows.
cat >"$tmp/rule.yaml" <<'YAML'
id: 7c1f0e55-15ab-4c1a-9f00-000000000015
name: Events per window
description: One alert every window, with the window's event count.
severity: Informational
queryFrequency: 5m
queryPeriod: 5m
triggerOperator: gt
triggerThreshold: 0
query: |
  SecurityEvent
  | summarize Events = count()
kind: Scheduled
YAML
for i in 0 1; do
	WSEC_URL=http://127.0.0.1:${ports[$i]} WSEC_TOKEN=$admin WSEC_WORKSPACE=$id "$tmp/wsec" analytics import "$tmp/rule.yaml" >/dev/null
done

start=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
cat >"$tmp/agent.json" <<JSON
{
  "dataDir": "$tmp/agent",
  "exitWhenDone": true,
  "sources": [{"kind": "synthetic", "rate": $rate, "count": $count, "start": "$start"}],
  "destinations": [{"name": "fault", "url": "http://127.0.0.1:$lb", "workspace": "$id", "key": "$key", "eventSet": "All"}]
}
JSON
"$tmp/wsec-agent" run --config "$tmp/agent.json" 2>>"$tmp/agent.log" &
agent=$!
t0=$(date +%s)

export WSEC_URL=http://127.0.0.1:$lb WSEC_WORKSPACE=$id
alerts() { # 0 while the balancer has no node up
	local n
	n=$(scalar 'SecurityAlert | count' 2>/dev/null || true)
	if [[ $n =~ ^[0-9]+$ ]]; then echo "$n"; else echo 0; fi
}
k=0 node_kills=0 ch_kills=0 delivered=""
while :; do
	sleep "$((4 + RANDOM % 7))"
	if [ -z "$delivered" ] && ! kill -0 "$agent" 2>/dev/null; then
		wait "$agent" || { echo "agent failed; its log:" >&2; tail "$tmp/agent.log" >&2; exit 1; }
		delivered=$(($(date +%s) - t0))
		echo "agent delivered $count events in ${delivered}s"
	fi
	if [ -n "$delivered" ] && [ "$(alerts)" -ge "$windows" ]; then
		break
	fi
	k=$((k + 1))
	if ((k % 2)); then
		i=$((RANDOM % 2))
		kill -9 "${pids[$i]}" 2>/dev/null || true
		wait "${pids[$i]}" 2>/dev/null || true
		sleep "$((RANDOM % 3))"
		serve "$i"
		node_kills=$((node_kills + 1))
		echo "$(($(date +%s) - t0))s: kill -9 serve node $i, restarted"
	else
		i=$((RANDOM % 2))
		kill -9 "$(cat "$tmp/ch/s$i/pid")" 2>/dev/null || true
		sleep "$((1 + RANDOM % 3))"
		scripts/clickhouse-cluster.sh start "$tmp/ch" 2 "$chport" >/dev/null
		ch_kills=$((ch_kills + 1))
		echo "$(($(date +%s) - t0))s: kill -9 ClickHouse server $i, restarted"
	fi
done

# Let the last restarts settle: both nodes healthy, the balancer answering.
for _ in $(seq 600); do
	curl -sf "http://127.0.0.1:${ports[0]}/healthz" >/dev/null && curl -sf "http://127.0.0.1:${ports[1]}/healthz" >/dev/null &&
		[ "$(alerts)" -gt 0 ] && break
	sleep 0.1
done
echo "agent: $count synthetic events at up to $rate/s through HAProxy to 2 nodes; $node_kills serve and $ch_kills ClickHouse kills -9 in $(($(date +%s) - t0))s"
ok=0
report_loss "$count" || ok=1
n=$(alerts)
dup=$(scalar 'SecurityAlert | summarize n = count() by TimeGenerated | where n != 1 | count')
span=$(scalar 'SecurityAlert | summarize windows = (max(TimeGenerated) - min(TimeGenerated)) / 5m + 1')
echo "rule windows: $n alerts, spanning $span windows, $dup windows with other than one alert"
[ "$dup" -eq 0 ] && [ "$span" -eq "$n" ] || ok=1
# Evaluations to the end per window, from the nodes' logs (a node killed
# after storing a window's alerts but before moving the cursor makes the
# next holder evaluate it again, storing nothing new).
cat "$tmp"/serve*.log | grep -o '"msg":"analytics alerts".*"window_end":"[^"]*".*"new":[0-9]*' |
	sed 's/.*"window_end":"\([^"]*\)".*"new":\([0-9]*\)/\1 \2/' | sort |
	awk '{e[$1]++; s[$1]+=$2} END {for (w in e) printf "window %s: evaluated %d time(s), %d alert(s) stored\n", w, e[w], s[w]}' | sort
exit $ok
