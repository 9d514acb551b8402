package gateway

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"wsec/internal/spool"
)

// A relayed batch is spooled as one or more records (a spool record holds
// at most spool.MaxRecordBytes, a batch up to MaxBodyBytes), all written by
// one Append, so they are contiguous. Each record is
//
//	'B' part(uvarint) parts(uvarint) [meta-length(uvarint) meta(JSON)] chunk
//
// with the meta (the request's path, query and headers) in part 0 only.
// An Append torn by a crash can leave the first parts of a batch without
// the rest; that batch was never acknowledged to its agent, which sends it
// again, so the reader drops the incomplete parts (metric dropped_torn).
const (
	recordKind = 'B'
	// chunkBytes leaves room for the record header and part 0's meta.
	chunkBytes = spool.MaxRecordBytes - MaxMetaBytes - 32
)

// meta is what a relayed batch carries besides its body: exactly what the
// upstream needs to verify the agent's signature.
type meta struct {
	Path   string      `json:"path"`
	Query  string      `json:"query,omitempty"`
	Header http.Header `json:"header"`
}

// forwardedHeaders are the request headers a relayed batch keeps: those the
// signature covers (every x-wsec-* header among them) and those the
// workspace reads. Hop-by-hop and proxy headers are dropped.
var forwardedHeaders = []string{"Authorization", "X-Ms-Date", "X-Ms-Content-Sha256", "Content-Type", "Content-Encoding", "User-Agent"}

func metaOf(r *http.Request) meta {
	h := http.Header{}
	for _, k := range forwardedHeaders {
		if v := r.Header.Values(k); len(v) > 0 {
			h[k] = v
		}
	}
	for k, v := range r.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-wsec-") {
			h[k] = v
		}
	}
	return meta{Path: r.URL.Path, Query: r.URL.RawQuery, Header: h}
}

// encodeBatch cuts a batch into spool records.
func encodeBatch(m meta, body []byte) ([][]byte, error) {
	mj, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode batch headers: %w", err)
	}
	if len(mj) > MaxMetaBytes {
		return nil, fmt.Errorf("batch headers are %d bytes encoded, more than %d", len(mj), MaxMetaBytes)
	}
	parts := max(1, (len(body)+chunkBytes-1)/chunkBytes)
	recs := make([][]byte, 0, parts)
	for i := range parts {
		chunk := body[min(i*chunkBytes, len(body)):min((i+1)*chunkBytes, len(body))]
		rec := []byte{recordKind}
		rec = binary.AppendUvarint(rec, uint64(i))
		rec = binary.AppendUvarint(rec, uint64(parts))
		if i == 0 {
			rec = binary.AppendUvarint(rec, uint64(len(mj)))
			rec = append(rec, mj...)
		}
		recs = append(recs, append(rec, chunk...))
	}
	return recs, nil
}

// part is one decoded spool record of a batch.
type part struct {
	index, parts int
	meta         *meta // part 0 only
	chunk        []byte
}

var errBadRecord = errors.New("not a relayed batch record")

func decodePart(rec []byte) (part, error) {
	if len(rec) == 0 || rec[0] != recordKind {
		return part{}, errBadRecord
	}
	b := rec[1:]
	idx, n := binary.Uvarint(b)
	if n <= 0 {
		return part{}, errBadRecord
	}
	b = b[n:]
	parts, n := binary.Uvarint(b)
	if n <= 0 || parts == 0 || idx >= parts || parts > MaxBodyBytes/chunkBytes+1 {
		return part{}, errBadRecord
	}
	b = b[n:]
	p := part{index: int(idx), parts: int(parts)}
	if idx == 0 {
		ml, n := binary.Uvarint(b)
		if n <= 0 || ml > uint64(len(b)-n) || ml > MaxMetaBytes {
			return part{}, errBadRecord
		}
		var m meta
		if err := json.Unmarshal(b[n:n+int(ml)], &m); err != nil || m.Path == "" {
			return part{}, errBadRecord
		}
		p.meta = &m
		b = b[n+int(ml):]
	}
	p.chunk = b
	return p, nil
}
