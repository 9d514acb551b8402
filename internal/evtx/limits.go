package evtx

// Sizes fixed by the EVTX format.
const (
	// FileHeaderSize is the size of the file header block; the first chunk
	// starts right after it.
	FileHeaderSize = 4096
	// ChunkSize is the size of every chunk. Chunks are self-contained: names
	// and templates are referenced by offsets inside the chunk, which is what
	// makes decoding them in parallel safe.
	ChunkSize = 65536
	// chunkHeaderSize is the chunk header including the string and template
	// offset tables; the first record starts here.
	chunkHeaderSize = 512
	// recordHeaderSize is magic, size, record id and FILETIME; a record also
	// ends with a 4-byte copy of its size.
	recordHeaderSize = 24
	recordMinSize    = recordHeaderSize + 4
	// templateHeaderSize is next-offset, GUID and data size before a
	// template definition's binary XML.
	templateHeaderSize = 24
)

// Limits on work driven by values read from the file. Every one of them is
// far above what Windows writes; a record that hits one is skipped and
// reported as a Problem, never a panic or an unbounded allocation.
const (
	// maxDepth bounds element nesting plus nested template instances and
	// binary XML substitution values. Real events nest < 15 deep (CAPI2 is
	// the deepest seen); the bound keeps the recursive decoder's stack small
	// and stops self-referencing templates.
	maxDepth = 64

	// maxVisitsPerRecord bounds the nodes walked while mapping one record.
	// Templates can reference other templates and array values repeat
	// elements, so a hostile chunk could otherwise describe an exponentially
	// large document in 64 KiB. Real records visit a few hundred nodes.
	maxVisitsPerRecord = 1 << 16

	// maxSubstitutions bounds the substitution values of one template
	// instance (Windows templates have at most a few hundred). Each needs
	// 4 descriptor bytes, so a chunk cannot hold more than 16 Ki anyway.
	maxSubstitutions = 4096

	// maxFieldsPerEvent bounds the payload fields of one event (array values
	// expand to one field per item). Extra fields are dropped and the record
	// reported.
	maxFieldsPerEvent = 8192

	// maxInternEntries bounds the per-worker table that shares the strings
	// repeated across events (SIDs, GUIDs, names). When full it is reset,
	// which only costs allocations.
	maxInternEntries = 8192

	// maxInternLen is the longest string worth interning.
	maxInternLen = 128

	// maxSharedTemplates bounds the parsed templates a worker keeps across
	// chunks (a few KiB each). A log rarely uses more than a few hundred;
	// when full the cache is reset, which only costs re-parsing.
	maxSharedTemplates = 2048

	// maxInFlightPerWorker bounds decoded chunks waiting to be emitted in
	// file order, per worker: memory stays at a few chunks per worker even
	// when one chunk is slow.
	maxInFlightPerWorker = 4
)
