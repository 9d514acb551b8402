#!/usr/bin/env bash
# Run a KQL query against wsec with curl, signed with the workspace key
# (SharedKey over POST, body length, content type, x-ms-date and path).
# Needs bash, curl, openssl, od, base64. This file is the README example;
# TestQueryCurlExample runs it against a test server.
#   WSEC_URL=http://127.0.0.1:8800 WSEC_WORKSPACE=<id> WSEC_KEY=<key> ./query_curl.sh 'SecurityEvent | take 10' P1D
set -euo pipefail
query=${1:-'SecurityEvent | take 10'}
timespan=${2:-P1D}
body=$(printf '{"query":"%s","timespan":"%s"}' "$(printf '%s' "$query" | sed 's/\\/\\\\/g; s/"/\\"/g')" "$timespan")
path="/v1/workspaces/$WSEC_WORKSPACE/query"
date=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
length=$(printf '%s' "$body" | wc -c | tr -d ' ')
hexkey=$(printf '%s' "$WSEC_KEY" | base64 -d | od -An -v -tx1 | tr -d ' \n')
sig=$(printf 'POST\n%s\napplication/json\nx-ms-date:%s\n%s' "$length" "$date" "$path" |
	openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" -binary | base64 | tr -d '\n')
curl -sS --fail-with-body -X POST "$WSEC_URL$path" \
	-H "Content-Type: application/json" \
	-H "x-ms-date: $date" \
	-H "Authorization: SharedKey $WSEC_WORKSPACE:$sig" \
	--data-binary "$body"
