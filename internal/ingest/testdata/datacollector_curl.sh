#!/usr/bin/env bash
# Post one record to wsec through the Log Analytics HTTP Data Collector API,
# signed as the API documents: base64(HMAC-SHA256(base64-decoded key,
# "POST\n<length>\napplication/json\nx-ms-date:<date>\n/api/logs")).
# Needs bash, curl, openssl, od, base64. This file is the README example;
# TestCurlExample runs it against a test server.
#   WSEC_URL=http://127.0.0.1:8800 WSEC_WORKSPACE=<id> WSEC_KEY=<primary key> ./datacollector_curl.sh
set -euo pipefail
body='[{"Computer":"web01","Message":"hello from curl","Level":3}]'
date=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
length=$(printf '%s' "$body" | wc -c | tr -d ' ')
hexkey=$(printf '%s' "$WSEC_KEY" | base64 -d | od -An -v -tx1 | tr -d ' \n')
sig=$(printf 'POST\n%s\napplication/json\nx-ms-date:%s\n/api/logs' "$length" "$date" |
	openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" -binary | base64 | tr -d '\n')
curl -sS --fail-with-body -X POST "$WSEC_URL/api/logs?api-version=2016-04-01" \
	-H "Content-Type: application/json" \
	-H "Log-Type: CurlDemo" \
	-H "x-ms-date: $date" \
	-H "Authorization: SharedKey $WSEC_WORKSPACE:$sig" \
	--data-binary "$body"
