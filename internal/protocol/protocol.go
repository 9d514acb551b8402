// Package protocol names the parts of the wsec HTTP protocol that both sides
// must agree on: paths, headers, content types, the heartbeat body and the
// sender names the workspace accepts. It holds declarations and that one
// check only, so the agent, the CLI and the workspace server share them
// without depending on each other's code.
package protocol

// Paths; {id} is the workspace ID.
const (
	PathEvents        = "/v1/workspaces/{id}/events"
	PathHeartbeat     = "/v1/workspaces/{id}/heartbeat"
	PathQuery         = "/v1/workspaces/{id}/query"
	PathTables        = "/v1/workspaces/{id}/tables"
	PathRules         = "/v1/workspaces/{id}/rules"
	PathAnalytics     = "/v1/workspaces/{id}/analytics/rules"
	PathIncidents     = "/v1/workspaces/{id}/incidents"
	PathEntities      = "/v1/workspaces/{id}/entities"
	PathWorkbooks     = "/v1/workspaces/{id}/workbooks"
	PathWebhooks      = "/v1/workspaces/{id}/analytics/webhooks"
	PathDCRPreview    = "/v1/workspaces/{id}/dcr-preview"
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
)

// MaxSenderBytes bounds HeaderSender (a GUID or a host name fits).
const MaxSenderBytes = 128

// ValidSender reports whether the workspace accepts s as HeaderSender:
// 1 to MaxSenderBytes letters, digits and . _ - : @ { } (GUIDs in braces,
// user@host).
func ValidSender(s string) bool {
	if s == "" || len(s) > MaxSenderBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '_', c == '-', c == ':', c == '@', c == '{', c == '}':
		default:
			return false
		}
	}
	return true
}

// Content types of native event batches.
const (
	// ContentTypeBatch is the event package's batch framing (FORMAT.md).
	ContentTypeBatch = "application/x-wsec-batch"
	// ContentTypeNDJSON is one event JSON object per line.
	ContentTypeNDJSON = "application/x-ndjson"
)

// BatchResult is the answer of POST PathEvents to a stored batch. The
// counts are of this request: a batch sent again (DuplicateBatch) stored
// nothing, and each of its events counts as a duplicate. Stored +
// Duplicates + len(Rejected) = Accepted.
type BatchResult struct {
	Accepted       int         `json:"accepted"`           // events in the request
	Stored         int         `json:"stored"`             // events this request wrote
	Duplicates     int         `json:"duplicates"`         // events stored before, by any sender, or twice in the batch
	DuplicateBatch bool        `json:"duplicateBatch"`     // the (sender, seq) was committed before
	Rejected       []Rejection `json:"rejected,omitempty"` // events refused one by one; the rest was taken
}

// Rejection is one event of a batch the workspace refused: Index is its
// position in the batch (from 0), Reason says what is wrong with it.
// Sending it again is refused again.
type Rejection struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

// Heartbeat is the body of POST PathHeartbeat: what an agent reports about
// itself every minute. The workspace adds the receive time and turns it
// into a row of the Heartbeat table.
type Heartbeat struct {
	Computer         string  `json:"Computer"`
	ComputerIP       string  `json:"ComputerIP,omitempty"`
	Category         string  `json:"Category,omitempty"`
	OSType           string  `json:"OSType,omitempty"`
	OSName           string  `json:"OSName,omitempty"`
	OSMajorVersion   string  `json:"OSMajorVersion,omitempty"`
	OSMinorVersion   string  `json:"OSMinorVersion,omitempty"`
	Version          string  `json:"Version,omitempty"`
	SourceComputerID string  `json:"SourceComputerId,omitempty"`
	EventsPerSecond  float64 `json:"EventsPerSecond,omitempty"`
	QueueDepth       int64   `json:"QueueDepth,omitempty"`
	LastError        string  `json:"LastError,omitempty"`
}
