package duckdb

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unicode/utf8"

	"wsec/internal/event"
	"wsec/internal/schema"
	"wsec/internal/store"
)

// parallelEncodeMin is the batch size from which AppendEvents maps and
// encodes on several goroutines: below it the goroutines cost more than
// they save.
const parallelEncodeMin = 2048

// AppendEvents stores a native batch: each event is mapped with
// schema.Mapper into SecurityEvent or WindowsEvent (by channel), with
// sourceSystem in SourceSystem.
//
// The promises, each tested (append_events_test.go, durability_test.go):
//
//   - Atomic: the batch's rows and its (sender, seq) mark commit in one
//     transaction, or nothing of the batch is stored.
//   - Idempotent: a batch whose (sender, seq) was committed before with as
//     many events stores nothing and returns Duplicate (Stored 0, every
//     event a duplicate), so a sender may retry any batch it has no answer
//     for. One of another size under the same (sender, seq) was cut anew
//     and is deduplicated event by event instead.
//   - Deduplicated: an event whose identity (event.Key: Computer, Channel,
//     EventRecordID, TimeCreated) was stored before, by any sender, in any
//     batch, however old, or earlier in this batch, is not stored again and
//     is counted in Duplicates.
//   - Durable: once AppendEvents returns nil, the batch survives a crash of
//     the process (and a power loss, as far as fsync is honoured).
//   - Refused one by one: an event without identity (no System block) or
//     whose TimeCreated is outside the years 1-9999 is not stored and is
//     listed in Rejected with why; the rest of the batch is. Any other
//     TimeCreated is stored as Windows wrote it (FILETIME 0 is 1601-01-01).
//
// A batch of more than Options.MaxBatchEvents events is refused with
// store.ErrLimit. ctx is checked when the batch is queued and when its group
// starts (group.go): a call whose ctx ended by then stores nothing and
// returns ctx's error. Once its group has started, the call waits for the
// commit, so that an error always means nothing was stored.
func (w *Workspace) AppendEvents(ctx context.Context, sender string, seq uint64, events []*event.Event, sourceSystem string) (store.AppendResult, error) {
	start := time.Now()
	var res store.AppendResult
	if len(sender) > MaxSenderBytes {
		return res, fmt.Errorf("append batch %d: sender longer than %d bytes: %w", seq, MaxSenderBytes, store.ErrInvalidName)
	}
	if !utf8.ValidString(sender) {
		return res, fmt.Errorf("append batch %d: sender %q is not valid UTF-8: %w", seq, sender, store.ErrInvalidName)
	}
	if len(events) > w.s.opts.MaxBatchEvents {
		return res, fmt.Errorf("append batch %s/%d: %d events, more than %d: %w", sender, seq, len(events), w.s.opts.MaxBatchEvents, store.ErrLimit)
	}
	for i, e := range events {
		if e == nil {
			return res, fmt.Errorf("append batch %s/%d: event %d is nil", sender, seq, i)
		}
	}
	if err := w.checkOpen(); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if err := w.s.disk.check(); err != nil {
		return res, fmt.Errorf("append batch %s/%d: %w", sender, seq, err)
	}
	events, rejected := refuseEvents(events)
	received := w.s.opts.Now().UTC()
	req := &appendReq{ctx: ctx, sender: sender, seq: seq, events: len(events), received: received,
		enc: w.encodeEvents(events, sourceSystem, received), done: make(chan struct{})}
	if err := w.g.submit(ctx, req); err != nil {
		return res, fmt.Errorf("append batch %s/%d: %w", sender, seq, err)
	}
	<-req.done // once submitted, the outcome is waited for: it may be committed
	if req.err != nil {
		return store.AppendResult{}, fmt.Errorf("append batch %s/%d: %w", sender, seq, req.err)
	}
	w.s.m.appendSeconds.WithLabelValues("events").Observe(time.Since(start).Seconds())
	w.s.m.rejectedEvents.Add(float64(len(rejected)))
	req.res.Rejected = rejected
	return req.res, nil
}

// Bounds of TimeCreated the store keeps: KQL's datetime range (years 1 to
// 9999), which holds every time Windows writes in practice (FILETIME 0 is
// 1601) and fits DuckDB's TIMESTAMP.
var (
	minTimeCreated = time.Time{}
	maxTimeCreated = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// refuseEvents returns the events the store can keep and the others, each
// with why. Refusing depends on the event alone, so a retried batch is
// refused the same events.
func refuseEvents(events []*event.Event) ([]*event.Event, []store.Rejection) {
	var rejected []store.Rejection
	kept := events
	for i, e := range events {
		reason := refusal(e)
		if reason == "" {
			if rejected != nil {
				kept = append(kept, e)
			}
			continue
		}
		if rejected == nil {
			kept = append(make([]*event.Event, 0, len(events)-1), events[:i]...)
		}
		rejected = append(rejected, store.Rejection{Index: i, Reason: reason})
	}
	return kept, rejected
}

// refusal says why the store cannot keep e, or "" when it can.
func refusal(e *event.Event) string {
	s := &e.System
	if s.Computer == "" && s.Channel == "" && s.EventRecordID == 0 {
		return "the event has no System block (no Computer, Channel or EventRecordID), so it has no identity to store it by; send each event as wsec writes it (a native batch line must be an event object, not null)"
	}
	if t := s.TimeCreated; t.Before(minTimeCreated) || t.After(maxTimeCreated) {
		return fmt.Sprintf("TimeCreated %s is outside the years 1 to 9999 that a datetime holds", t.UTC().Format(event.TimeLayout))
	}
	return ""
}

// encodedBatch is a batch mapped and encoded per target table: chunks[0]
// are SecurityEvent rows, chunks[1] WindowsEvent rows, each a list of
// chunks in batch order (one per encoding goroutine).
type encodedBatch struct {
	chunks    [2][]*rows
	overflows int
}

func (b *encodedBatch) kept(keep [2][][]int, t int) int {
	n := 0
	for _, k := range keep[t] {
		n += len(k)
	}
	return n
}

// encodeEvents maps and encodes events, on several goroutines for a large
// batch. It needs no lock: the mapper and layouts are immutable.
func (w *Workspace) encodeEvents(events []*event.Event, sourceSystem string, received time.Time) *encodedBatch {
	parts := 1
	if len(events) >= parallelEncodeMin {
		parts = min(runtime.GOMAXPROCS(0), (len(events)+parallelEncodeMin-1)/parallelEncodeMin, 8)
	}
	type part struct {
		se, we    *rows
		overflows int
	}
	out := make([]part, parts)
	per := (len(events) + parts - 1) / parts
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*per, min((p+1)*per, len(events))
		do := func() {
			nse := 0
			for _, e := range events[lo:hi] {
				if schema.IsSecurityChannel(e.System.Channel) {
					nse++
				}
			}
			se, we := newRows(w.se, nse), newRows(w.we, hi-lo-nse)
			encSE, encWE := newEncoder(w.se, w.tpl), newEncoder(w.we, w.tpl)
			var row schema.Row
			recv := received.UnixNano()
			var buf []byte
			var k key
			for _, e := range events[lo:hi] {
				t := w.s.mapper.MapKeepingPayload(e, sourceSystem, &row)
				dst, enc := se, encSE
				if t.Name != schema.SecurityEventTable {
					dst, enc = we, encWE
				}
				enc.encode(dst, e, &row, recv)
				k, buf = eventKey(e, buf)
				dst.cols[dst.l.key0].SetInt(int64(k[0]))
				dst.cols[dst.l.key1].SetInt(int64(k[1]))
				dst.keys = append(dst.keys, k)
				dst.times = append(dst.times, e.System.TimeCreated.UnixMicro())
			}
			out[p] = part{se: se, we: we, overflows: encSE.overflows + encWE.overflows}
		}
		if parts == 1 {
			do()
			break
		}
		wg.Add(1)
		go func() { defer wg.Done(); do() }()
	}
	wg.Wait()
	b := &encodedBatch{}
	for _, p := range out {
		b.chunks[0] = append(b.chunks[0], p.se)
		b.chunks[1] = append(b.chunks[1], p.we)
		b.overflows += p.overflows
	}
	return b
}
