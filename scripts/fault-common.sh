# Sourced by the fault scripts: a query token and the lost/duplicated count.

# query_token DATA ID: exports WSEC_TOKEN, a reader token of workspace ID
# for the first admin (workspace keys only send events). Call it before
# `wsec serve` holds DATA.
query_token() {
	WSEC_TOKEN=$("$tmp/wsec" token create --data "$1" --user admin --workspace "$2" --role reader --json |
		sed -n 's/.*"token": "\(.*\)".*/\1/p')
	export WSEC_TOKEN
}

# scalar KQL: the single value a query answers.
scalar() { "$tmp/wsec" query --format csv "$1" | tail -1; }

# report_loss SENT: rows stored, distinct identities (Computer, Channel,
# EventRecordID, TimeGenerated), lost = SENT - distinct, duplicated =
# rows - distinct; fails unless both are 0.
report_loss() {
	local rows distinct
	rows=$(scalar 'SecurityEvent | count')
	distinct=$(scalar 'SecurityEvent | distinct Computer, Channel, EventRecordID, TimeGenerated | count')
	echo "sent $1, rows stored $rows, distinct $distinct: lost $(($1 - distinct)), duplicated $((rows - distinct))"
	[ "$distinct" -eq "$1" ] && [ "$rows" -eq "$distinct" ]
}
