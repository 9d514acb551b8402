#!/usr/bin/env bash
# Throughput of `wsec events --format jsonl` against `evtxexport -f xml` on
# the same large EVTX file built from the real chunks of the corpus, in one
# run, plus peak memory at two file sizes (it must stay flat).
#
#   scripts/bench-events.sh [CORPUS_EVTX_DIR] [SIZE]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus/evtx}
size=${2:-58MB}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v evtxexport >/dev/null || { echo "needs evtxexport: apt-get install libevtx-utils" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
go build -o "$tmp/wsec" ./cmd/wsec
go build -o "$tmp/evtxbuild" ./cmd/evtxbuild
# Only chunks of files the reference parser reads fully, so both tools see
# the same input (evtxexport stops at the first record it cannot parse).
mkdir "$tmp/src"
i=0
while IFS= read -r -d '' f; do
	if evtxexport -f xml "$f" >/dev/null 2>&1; then
		ln -s "$(realpath "$f")" "$tmp/src/$i.evtx"
		i=$((i + 1))
	fi
done < <(find "$corpus" -name '*.evtx' -print0 | sort -z)
corpus=$tmp/src
"$tmp/evtxbuild" -o "$tmp/big.evtx" -size "$size" "$corpus"
bytes=$(stat -c %s "$tmp/big.evtx")

measure() { # label command...
	local label=$1; shift
	/usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err"
	read -r secs rss <"$tmp/time"
	echo "$label $secs $rss"
}

echo "input: $bytes bytes ($size of real corpus chunks), $(nproc) cores"
read -r _ ref_s ref_rss < <(measure evtxexport evtxexport -f xml "$tmp/big.evtx")
ref_events=$(grep -c '^<Event ' "$tmp/out" || true)
read -r _ w_s w_rss < <(measure wsec "$tmp/wsec" events --format jsonl "$tmp/big.evtx")
w_events=$(wc -l <"$tmp/out")
tail -1 "$tmp/err"
read -r _ w1_s _ < <(measure wsec-1core "$tmp/wsec" events --workers 1 --format jsonl "$tmp/big.evtx")

awk -v b="$bytes" -v rs="$ref_s" -v re="$ref_events" -v rr="$ref_rss" -v ws="$w_s" -v we="$w_events" -v wr="$w_rss" -v w1="$w1_s" 'BEGIN {
	printf "%-28s %8s %10s %12s %10s\n", "", "seconds", "MB/s", "events/s", "max RSS MB"
	printf "%-28s %8.2f %10.1f %12.0f %10.1f\n", "evtxexport -f xml", rs, b/1e6/rs, re/rs, rr/1024
	printf "%-28s %8.2f %10.1f %12.0f %10.1f\n", "wsec events --format jsonl", ws, b/1e6/ws, we/ws, wr/1024
	printf "%-28s %8.2f %10.1f %12.0f\n", "  (one worker)", w1, b/1e6/w1, we/w1
	printf "ratio wsec/evtxexport: %.1fx faster (events: %d vs %d)\n", rs/ws, we, re
}'

# Memory must not grow with the file: 4x the input, same peak RSS.
"$tmp/evtxbuild" -o "$tmp/big4.evtx" -size "$((bytes * 4))" "$corpus" 2>/dev/null
rm -f "$tmp/big.evtx"
read -r _ w4_s w4_rss < <(measure wsec4x "$tmp/wsec" events --format jsonl "$tmp/big4.evtx")
echo "4x input ($(stat -c %s "$tmp/big4.evtx") bytes): ${w4_s}s, max RSS $((w4_rss / 1024)) MB (vs $((w_rss / 1024)) MB)"
