// Package protocol names the parts of the wsec HTTP protocol that both sides
// must agree on: paths, headers and content types. It holds constants only,
// so the agent, the CLI and the workspace server share them without
// depending on each other's code.
package protocol

// Paths; {id} is the workspace ID.
const (
	PathEvents        = "/v1/workspaces/{id}/events"
	PathHeartbeat     = "/v1/workspaces/{id}/heartbeat"
	PathQuery         = "/v1/workspaces/{id}/query"
	PathTables        = "/v1/workspaces/{id}/tables"
	PathRules         = "/v1/workspaces/{id}/rules"
	PathDataCollector = "/api/logs"
)

// Headers of the native event endpoint.
const (
	// HeaderSender identifies the sender (an agent ID, or an importer's
	// stable ID for a file); with HeaderSeq it names a batch.
	HeaderSender = "X-Wsec-Sender"
	// HeaderSeq is the batch's sequence number for that sender: a batch
	// sent again with the same (sender, seq) is stored once.
	HeaderSeq          = "X-Wsec-Seq"
	HeaderSourceSystem = "X-Wsec-Source-System"
	HeaderDate         = "x-ms-date"
)

// Content types of native event batches.
const (
	// ContentTypeBatch is the event package's batch framing (FORMAT.md).
	ContentTypeBatch = "application/x-wsec-batch"
	// ContentTypeNDJSON is one event JSON object per line.
	ContentTypeNDJSON = "application/x-ndjson"
)
