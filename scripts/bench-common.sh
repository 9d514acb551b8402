# Sourced by the scale benchmarks (bench-scale.sh, bench-soak.sh), after
# fault-common.sh: their working directory, binaries, workspace and server.

# bench_init NAME: sets tmp to BENCH_DIR (kept) or a new temporary directory
# (removed on exit, with every background job) and builds wsec, wsec-agent
# and benchscale into it.
bench_init() {
	keep=${BENCH_DIR:+1}
	tmp=${BENCH_DIR:-$(mktemp -d "/tmp/$1.XXXXXX")}
	mkdir -p "$tmp"
	trap bench_cleanup EXIT
	say "building wsec, wsec-agent and benchscale into $tmp"
	go build -o "$tmp/wsec" ./cmd/wsec
	CGO_ENABLED=0 go build -o "$tmp/wsec-agent" ./cmd/wsec-agent
	go build -o "$tmp/benchscale" ./scripts/benchscale
}

bench_cleanup() {
	kill $(jobs -p) 2>/dev/null || true
	wait 2>/dev/null || true
	[ -n "$keep" ] || rm -rf "$tmp"
}

say() { echo "[$(date -u +%H:%M:%S)] $*"; }

# new_workspace DIR: a workspace in data directory DIR; sets id, key and
# WSEC_TOKEN.
new_workspace() {
	"$tmp/wsec" workspace create --data "$1" --name bench --json >"$1.ws.json" 2>/dev/null
	id=$(sed -n 's/.*"id": "\(.*\)".*/\1/p' "$1.ws.json")
	key=$(sed -n 's/.*"primaryKey": "\(.*\)".*/\1/p' "$1.ws.json")
	query_token "$1" "$id"
}

# start_serve DIR [FLAG...]: wsec serve on DIR in the background, logging
# to DIR.serve.log; sets serve_pid, port (kept across restarts until
# stop_serve) and url, and waits for /healthz.
start_serve() {
	port=${port:-$((20000 + RANDOM % 20000))}
	"$tmp/wsec" serve --data "$1" --listen "127.0.0.1:$port" ${SERVE_FLAGS:-} "${@:2}" 2>>"$1.serve.log" &
	serve_pid=$!
	url=http://127.0.0.1:$port
	for _ in $(seq 600); do curl -sf "$url/healthz" >/dev/null && return; sleep 0.1; done
	echo "wsec serve on $1 did not come up; its log:" >&2
	tail -20 "$1.serve.log" >&2
	exit 1
}

stop_serve() { kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; unset port; }

# paced_agent FILE RATE SECONDS: an agent config in FILE that sends
# RATE×SECONDS synthetic events, paced at RATE/s from 3 s from now, to
# workspace id (key) at url, and exits when they are acknowledged.
paced_agent() {
	local start
	start=$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%S.%NZ)
	cat >"$1" <<JSON
{
  "dataDir": "$tmp/agent",
  "exitWhenDone": true,
  "sources": [{"kind": "synthetic", "rate": $2, "count": $(($2 * $3)), "start": "$start"}],
  "destinations": [{"name": "bench", "url": "$url", "workspace": "$id", "key": "$key", "eventSet": "All"}]
}
JSON
}
