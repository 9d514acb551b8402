package ingest

import (
	"bytes"
	"mime"
	"net/http"
	"unicode/utf8"

	"wsec/internal/event"
	"wsec/internal/protocol"
)

// Content types of the native endpoint's body (package protocol): the event
// package's batch framing (internal/event/FORMAT.md), or one event JSON per
// line.
const (
	ContentTypeBatch  = protocol.ContentTypeBatch
	ContentTypeNDJSON = protocol.ContentTypeNDJSON
)

type bodyFormat uint8

const (
	formatBatch bodyFormat = iota + 1
	formatNDJSON
)

// parseNativeContentType maps Content-Type to a body format.
func parseNativeContentType(ct string) (bodyFormat, *refusal) {
	if ct == "" {
		return 0, refused(http.StatusBadRequest, codeMissingContentType, "missing_content_type",
			"Content-Type is missing; send %s (binary batch) or %s (one event JSON per line)", ContentTypeBatch, ContentTypeNDJSON)
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		switch mt {
		case ContentTypeBatch, "application/octet-stream":
			return formatBatch, nil
		case ContentTypeNDJSON, "application/jsonl", "application/x-jsonlines":
			return formatNDJSON, nil
		}
	}
	return 0, refused(http.StatusBadRequest, codeUnsupportedContentType, "unsupported_content_type",
		"Content-Type %q is not supported here; send %s (binary batch) or %s (one event JSON per line)",
		clip(ct), ContentTypeBatch, ContentTypeNDJSON)
}

// decodeEvents decodes a decompressed native body, enforcing lim. It
// returns the events and how many string values it truncated. On error
// nothing is returned: a batch is taken whole or not at all. The body is
// the events' from then on (their strings point into it, without a copy):
// the caller must not modify it.
func decodeEvents(body []byte, f bodyFormat, lim Limits) ([]*event.Event, int, *refusal) {
	var evs []*event.Event
	var err *refusal
	switch f {
	case formatBatch:
		evs, err = decodeBatch(body, lim)
	case formatNDJSON:
		evs, err = decodeNDJSON(body, lim)
	default:
		panic("BUG: ingest: unknown body format")
	}
	if err != nil {
		return nil, 0, err
	}
	truncated := 0
	for i, e := range evs {
		if len(e.Data) > lim.MaxFieldsPerEvent {
			return nil, 0, refused(http.StatusBadRequest, codeInvalidDataFormat, "too_many_fields",
				"event %d has %d payload fields, more than the %d allowed", i, len(e.Data), lim.MaxFieldsPerEvent)
		}
		truncated += truncateEvent(e, lim.MaxFieldBytes)
	}
	return evs, truncated, nil
}

func tooManyEvents(max int) *refusal {
	return refused(http.StatusRequestEntityTooLarge, codePayloadTooLarge, "too_many_events",
		"the batch has more than the %d events allowed; send smaller batches", max)
}

func decodeBatch(body []byte, lim Limits) ([]*event.Event, *refusal) {
	d := event.NewBatchDecoderOwned(body)
	var evs []*event.Event
	for d.More() {
		if len(evs) == lim.MaxEventsPerBatch {
			return nil, tooManyEvents(lim.MaxEventsPerBatch)
		}
		e, err := d.Next()
		if err != nil {
			return nil, refused(http.StatusBadRequest, codeInvalidDataFormat, "malformed_body",
				"the batch is not valid %s framing: %v; send uvarint(length)+record per event (internal/event/FORMAT.md)", ContentTypeBatch, err)
		}
		evs = append(evs, e)
	}
	return evs, nil
}

func decodeNDJSON(body []byte, lim Limits) ([]*event.Event, *refusal) {
	var evs []*event.Event
	for line := 1; len(body) > 0; line++ {
		var l []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			l, body = body[:i], body[i+1:]
		} else {
			l, body = body, nil
		}
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		if len(evs) == lim.MaxEventsPerBatch {
			return nil, tooManyEvents(lim.MaxEventsPerBatch)
		}
		e := new(event.Event)
		if err := e.UnmarshalJSON(l); err != nil {
			return nil, refused(http.StatusBadRequest, codeInvalidDataFormat, "malformed_body",
				"line %d is not an event JSON object: %v; send one event per line as wsec writes it", line, err)
		}
		evs = append(evs, e)
	}
	return evs, nil
}

// truncateEvent cuts every string of e longer than max bytes (at a UTF-8
// boundary) and returns how many it cut.
func truncateEvent(e *event.Event, max int) int {
	n := 0
	cut := func(s *string) {
		if len(*s) > max {
			*s = truncateUTF8(*s, max)
			n++
		}
	}
	s := &e.System
	for _, p := range [...]*string{&s.Provider, &s.ProviderGUID, &s.EventSource, &s.ActivityID,
		&s.RelatedActivityID, &s.Channel, &s.Computer, &s.UserID, &e.UserDataName, &e.UserDataNS, &e.Binary} {
		cut(p)
	}
	for i := range e.Data {
		cut(&e.Data[i].Name)
		cut(&e.Data[i].Value)
	}
	if r := e.Rendering; r != nil {
		for _, p := range [...]*string{&r.Culture, &r.Message, &r.Level, &r.Task, &r.Opcode, &r.Channel, &r.Provider} {
			cut(p)
		}
		for i := range r.Keywords {
			cut(&r.Keywords[i])
		}
	}
	return n
}

// truncateUTF8 returns s cut to at most max bytes, not inside a UTF-8
// sequence (when s is valid UTF-8 there).
func truncateUTF8(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && i > max-utf8.UTFMax && !utf8.RuneStart(s[i]) {
		i--
	}
	if !utf8.RuneStart(s[i]) {
		i = max // not UTF-8 here: cut at the byte limit
	}
	return s[:i]
}
