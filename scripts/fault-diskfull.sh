#!/usr/bin/env bash
# Disk full, then freed (issue 9 item 8): wsec-agent ships COUNT synthetic
# events at RATE/s to a real `wsec serve`; the data directory of WHICH
# ("agent": the spool; "server": the workspace's store) sits on a small
# tmpfs of its own. HOLD seconds into the run, a filler file takes all
# its free space; HOLD seconds later it is deleted. Both programs must
# carry on by themselves (no restart). Reports rows stored and distinct
# identities: lost = COUNT - distinct, duplicated = rows - distinct. Needs
# root (mount).
#
#   scripts/fault-diskfull.sh [agent|server] [COUNT] [RATE] [HOLD]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/fault-common.sh
which=${1:-agent}
count=${2:-200000}
rate=${3:-5000}
hold=${4:-10}
tmp=$(mktemp -d)
small=$tmp/small
mkdir -p "$small"
minfree=0 # the spool's default reserve, 64 MiB
case $which in
agent) size=64m minfree=$((4 << 20)) ;;
server) size=512m ;;
*) echo "usage: $0 [agent|server] [COUNT] [RATE] [HOLD]" >&2; exit 2 ;;
esac
mount -t tmpfs -o size=$size tmpfs "$small"
trap 'kill $(jobs -p) 2>/dev/null || true; wait; umount "$small"; rm -rf "$tmp"' EXIT

go build -o "$tmp/wsec" ./cmd/wsec
CGO_ENABLED=0 go build -o "$tmp/wsec-agent" ./cmd/wsec-agent
wsdir=$tmp/ws agentdir=$tmp/agent
if [ "$which" = server ]; then wsdir=$small/ws; else agentdir=$small/agent; fi
"$tmp/wsec" workspace create --data "$wsdir" --name fault --json >"$tmp/ws.json"
id=$(sed -n 's/.*"id": "\(.*\)".*/\1/p' "$tmp/ws.json")
key=$(sed -n 's/.*"primaryKey": "\(.*\)".*/\1/p' "$tmp/ws.json")
query_token "$wsdir" "$id"
port=$((20000 + RANDOM % 20000))
# --min-free-disk: the server's tmpfs is far smaller than the default
# reserve; the filler then takes it under this one and ingest pauses.
"$tmp/wsec" serve --data "$wsdir" --listen "127.0.0.1:$port" --min-free-disk 32MiB 2>"$tmp/serve.log" &
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

start=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
cat >"$tmp/agent.json" <<JSON
{
  "dataDir": "$agentdir",
  "exitWhenDone": true,
  "spoolMinFreeBytes": $minfree,
  "sources": [{"kind": "synthetic", "rate": $rate, "count": $count, "start": "$start"}],
  "destinations": [{"name": "fault", "url": "http://127.0.0.1:$port", "workspace": "$id", "key": "$key", "eventSet": "All"}]
}
JSON
"$tmp/wsec-agent" run --config "$tmp/agent.json" 2>"$tmp/agent.log" &
agent=$!
sleep "$hold"
dd if=/dev/zero of="$small/filler" bs=1M 2>/dev/null || true # until ENOSPC
echo "$which disk full: $(df -h --output=used,avail "$small" | tail -1)"
sleep 2
echo "healthz while full: $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")"
sleep "$((hold - 2))"
rm -f "$small/filler"
echo "$which disk freed: $(df -h --output=used,avail "$small" | tail -1)"
wait "$agent"
echo "healthz after: $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")"

export WSEC_URL=http://127.0.0.1:$port WSEC_WORKSPACE=$id
echo "$which disk full for ${hold} s; agent: $count synthetic events at $rate/s"
ok=0
report_loss "$count" || ok=1
echo "agent log, by level and message:"
grep -o '"level":"[A-Z]*","msg":"[^"]*"' "$agentdir/wsec-agent.log" 2>/dev/null | sort | uniq -c | sort -rn | head
echo "server log, requests by route and status:"
grep -o '"route":"[^"]*","status":[0-9]*' "$tmp/serve.log" | sort | uniq -c | sort -rn
exit $ok
