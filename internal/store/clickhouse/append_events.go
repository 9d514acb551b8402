package clickhouse

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zeebo/xxh3"

	"wsec/internal/event"
	"wsec/internal/schema"
	"wsec/internal/store"
)

// MaxBatchEvents bounds one AppendEvents call.
const MaxBatchEvents = 100_000

// identity is the 128-bit hash of an event's identity: Computer, Channel,
// EventRecordID and TimeCreated at full precision (the embedded store's
// dedup key, so both stores agree on what a duplicate is).
func identity(e *event.Event, buf []byte) ([2]uint64, []byte) {
	buf = buf[:0]
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(e.System.Computer)))
	buf = append(buf, e.System.Computer...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(e.System.Channel)))
	buf = append(buf, e.System.Channel...)
	buf = binary.LittleEndian.AppendUint64(buf, e.System.EventRecordID)
	t := e.System.TimeCreated
	if event.UnixNanoFits(t) {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(t.UnixNano()))
	} else {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(t.Unix()))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(t.Nanosecond()))
	}
	h := xxh3.Hash128(buf)
	return [2]uint64{h.Hi, h.Lo}, buf
}

var (
	minTimeCreated = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTimeCreated = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// refusal says why the store cannot keep e, or "" when it can (the
// embedded store's rules: an event needs an identity and a datetime).
func refusal(e *event.Event) string {
	s := &e.System
	if s.Computer == "" && s.Channel == "" && s.EventRecordID == 0 {
		return "the event has no System block (no Computer, Channel or EventRecordID), so it has no identity to store it by; send each event as wsec writes it"
	}
	if t := s.TimeCreated; t.Before(minTimeCreated) || t.After(maxTimeCreated) {
		return fmt.Sprintf("TimeCreated %s is outside the years 1 to 9999 that a datetime holds", t.UTC().Format(event.TimeLayout))
	}
	return ""
}

// mapped is one event of a batch, mapped to its table's row.
type mapped struct {
	table *schema.Table
	row   schema.Row
	key   [2]uint64
	us    int64 // TimeGenerated, µs
}

// AppendEvents implements store.Workspace; the package doc says what it
// guarantees and how.
func (w *Workspace) AppendEvents(ctx context.Context, sender string, seq uint64, events []*event.Event, sourceSystem string) (store.AppendResult, error) {
	var res store.AppendResult
	if err := w.s.checkOpen(); err != nil {
		return res, err
	}
	if len(events) > MaxBatchEvents {
		return res, fmt.Errorf("append %d events: more than %d in one batch: %w", len(events), MaxBatchEvents, store.ErrLimit)
	}
	ms := make([]mapped, 0, len(events))
	seen := make(map[[2]uint64]struct{}, len(events))
	var buf []byte
	for i, e := range events {
		if reason := refusal(e); reason != "" {
			res.Rejected = append(res.Rejected, store.Rejection{Index: i, Reason: reason})
			continue
		}
		var k [2]uint64
		k, buf = identity(e, buf)
		if _, dup := seen[k]; dup {
			res.Duplicates++
			continue
		}
		seen[k] = struct{}{}
		m := mapped{key: k}
		m.table = w.s.mapper.Map(e, sourceSystem, &m.row)
		m.us = e.System.TimeCreated.UnixMicro()
		ms = append(ms, m)
	}
	if done, err := w.batchDone(ctx, sender, seq); err != nil {
		w.s.opts.Logger.Warn("batch mark lookup failed; deduplicating by event identity alone", "workspace", w.id, "err", err)
	} else if done {
		res.Duplicate = true
		res.Duplicates += len(ms)
		return res, nil
	}
	stored, err := w.existing(ctx, ms)
	if err != nil {
		return res, err
	}
	keep := ms[:0]
	for _, m := range ms {
		if _, dup := stored[m.key]; dup {
			res.Duplicates++
			continue
		}
		keep = append(keep, m)
	}
	if err := w.insertEvents(ctx, keep); err != nil {
		return res, err
	}
	res.Stored = len(keep)
	if err := w.markBatch(ctx, sender, seq, len(events)); err != nil {
		w.s.opts.Logger.Warn("batch mark not written; a resend will be deduplicated by event identity", "workspace", w.id, "err", err)
	}
	return res, nil
}

// batchDone reports whether (sender, seq) was marked stored.
func (w *Workspace) batchDone(ctx context.Context, sender string, seq uint64) (bool, error) {
	if sender == "" {
		return false, nil
	}
	res, err := w.s.shards[0].selectTSV(ctx, w.db, "SELECT count() FROM wsec_batches WHERE `Sender` = "+quoteString(sender)+" AND `Seq` = "+strconv.FormatUint(seq, 10), nil)
	if err != nil {
		return false, err
	}
	return res.rows[0][0].(int64) > 0, nil
}

func (w *Workspace) markBatch(ctx context.Context, sender string, seq uint64, n int) error {
	if sender == "" {
		return nil
	}
	row := appendTSVString(nil, sender)
	row = fmt.Appendf(row, "\t%d\t%d\t%d\n", seq, n, w.s.opts.Now().UnixMicro())
	return w.s.shards[0].exec(ctx, w.db, "INSERT INTO wsec_batches FORMAT TabSeparated", row)
}

// existing returns the keys of ms already stored, looked up per table in
// the time range the batch covers.
func (w *Workspace) existing(ctx context.Context, ms []mapped) (map[[2]uint64]struct{}, error) {
	out := map[[2]uint64]struct{}{}
	byTable := map[*schema.Table][]mapped{}
	for _, m := range ms {
		byTable[m.table] = append(byTable[m.table], m)
	}
	for t, list := range byTable {
		lo, hi := list[0].us, list[0].us
		var b strings.Builder
		for i, m := range list {
			lo, hi = min(lo, m.us), max(hi, m.us)
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatUint(m.key[0], 10))
		}
		q := "SELECT `" + colKey0 + "`, `" + colKey1 + "` FROM " + quoteIdent(allName(t.Name)) +
			" WHERE `TimeGenerated` BETWEEN " + strconv.FormatInt(lo, 10) + " AND " + strconv.FormatInt(hi, 10) +
			" AND `" + colKey0 + "` IN (" + b.String() + ")"
		res, err := w.s.shards[0].selectTSV(ctx, w.db, q, bigQuery)
		if err != nil {
			return nil, fmt.Errorf("look up stored events: %w", err)
		}
		for _, row := range res.rows {
			out[[2]uint64{uint64(row[0].(int64)), uint64(row[1].(int64))}] = struct{}{}
		}
	}
	return out, nil
}

// bigQuery lets a statement carry a batch's keys.
var bigQuery = map[string][]string{"max_query_size": {"67108864"}}

// insertEvents writes ms to the shards their keys pick, one INSERT per
// shard and table, the shards in parallel.
func (w *Workspace) insertEvents(ctx context.Context, ms []mapped) error {
	n := uint64(len(w.s.shards))
	type target struct {
		shard int
		t     *schema.Table
	}
	encs := map[target]*rowEncoder{}
	now := w.s.opts.Now().UnixMicro()
	for i := range ms {
		m := &ms[i]
		tg := target{int(m.key[0] % n), m.table}
		enc := encs[tg]
		if enc == nil {
			enc = newRowEncoder(m.table, w.id, now)
			encs[tg] = enc
		}
		enc.row(&m.row, m.key)
	}
	var wg sync.WaitGroup
	errs := make([]error, 0, len(encs))
	var mu sync.Mutex
	for tg, enc := range encs {
		wg.Go(func() {
			if err := w.s.shards[tg.shard].exec(ctx, "", enc.insertSQL(w.db, localName(tg.t.Name)), enc.buf); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	return nil
}
