#!/usr/bin/env bash
# Throughput of `wsec hunt` with all SigmaHQ Windows rules that compile,
# beside `wsec events` (decoding alone) on the same input in the same run:
# the whole EVTX corpus, and one large EVTX file built from its real chunks
# (cmd/evtxbuild). Prints wall and CPU seconds, events/s, MB/s and peak RSS,
# the median of REPEATS runs each.
#
#   scripts/bench-hunt.sh [CORPUS_DIR] [SIZE] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus}
size=${2:-58MB}
repeats=${3:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
go build -o "$tmp/wsec" ./cmd/wsec
go build -o "$tmp/evtxbuild" ./cmd/evtxbuild
"$tmp/evtxbuild" -o "$tmp/big.evtx" -size "$size" "$corpus/evtx" 2>/dev/null
rules=$corpus/sigma-windows/rules

# run LABEL INPUT_BYTES command...: median wall, cpu, rss over the repeats;
# the event count comes from the command's summary line.
run() {
	local label=$1 bytes=$2; shift 2
	for _ in $(seq "$repeats"); do
		/usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err"
		read -r wall user sys rss <"$tmp/time"
		events=$(grep -Eo '[0-9]+ (events|records),' "$tmp/err" | head -1 | grep -Eo '^[0-9]+')
		echo "$wall $(echo "$user + $sys" | bc) $rss $events"
	done | sort -n | awk -v n="$repeats" -v label="$label" -v b="$bytes" 'NR == int((n+1)/2) {
		printf "%-34s %8.2f %8.2f %10.0f %12.0f %8.1f %8.0f\n", label, $1, $2, $4, $4/$1, b/1e6/$1, $3/1024
	}'
}

corpus_bytes=$(find "$corpus/evtx" -name '*.evtx' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
big_bytes=$(stat -c %s "$tmp/big.evtx")
echo "$(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg); median of $repeats runs"
printf "%-34s %8s %8s %10s %12s %8s %8s\n" "" "wall s" "cpu s" "events" "events/s" "MB/s" "RSS MB"
run "events, corpus ($((corpus_bytes / 1000000)) MB)" "$corpus_bytes" "$tmp/wsec" events --format jsonl "$corpus/evtx"
run "hunt, corpus" "$corpus_bytes" "$tmp/wsec" hunt --sigma "$rules" --format jsonl "$corpus/evtx"
run "events, big file ($((big_bytes / 1000000)) MB)" "$big_bytes" "$tmp/wsec" events --format jsonl "$tmp/big.evtx"
run "hunt, big file" "$big_bytes" "$tmp/wsec" hunt --sigma "$rules" --format jsonl "$tmp/big.evtx"
