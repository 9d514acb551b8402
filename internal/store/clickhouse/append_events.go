package clickhouse

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
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
	table   *schema.Table
	row     schema.Row
	key     [2]uint64
	us      int64 // TimeGenerated, µs, as stored
	hasTime bool  // false: no TimeGenerated, stored at the receive time
}

// setTime finds the TimeGenerated m.row is stored with (the last cell of
// the column, as the encoder takes it).
func (m *mapped) setTime() {
	i, ok := m.table.Col("TimeGenerated")
	if !ok {
		return
	}
	for _, c := range m.row.Cells {
		if c.Col == i {
			m.us, m.hasTime = schema.TicksMicros(c.I), true
		}
	}
}

// AppendEvents implements store.Workspace; the package doc says what it
// guarantees and how. The batch's events go to the shards their keys pick,
// each shard's through its committer (see committer), the shards in
// parallel.
func (w *Workspace) AppendEvents(ctx context.Context, sender string, seq uint64, events []*event.Event, sourceSystem string) (store.AppendResult, error) {
	var res store.AppendResult
	if err := w.s.checkOpen(); err != nil {
		return res, err
	}
	if len(events) > MaxBatchEvents {
		return res, fmt.Errorf("append %d events: more than %d in one batch: %w", len(events), MaxBatchEvents, store.ErrLimit)
	}
	n := uint64(len(w.s.shards))
	perShard := make([][]mapped, n)
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
		m.setTime()
		sh := k[0] % n
		perShard[sh] = append(perShard[sh], m)
	}
	if done, err := w.batchDone(ctx, sender, seq); err != nil {
		w.s.opts.Logger.Warn("batch mark lookup failed; deduplicating by event identity alone", "workspace", w.id, "err", err)
	} else if done {
		res.Duplicate = true
		res.Duplicates += len(seen)
		return res, nil
	}
	var wg sync.WaitGroup
	outs := make([]commitResult, n)
	for i, ms := range perShard {
		if len(ms) > 0 {
			wg.Go(func() { outs[i] = w.committers[i].commit(ctx, ms) })
		}
	}
	wg.Wait()
	var errs []error
	for _, o := range outs {
		res.Stored += o.stored
		res.Duplicates += o.duplicates
		errs = append(errs, o.err)
	}
	if err := errors.Join(errs...); err != nil {
		return res, fmt.Errorf("append events: %w", err)
	}
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
	return w.s.shards[0].exec(ctx, w.db, "INSERT INTO wsec_batches FORMAT TabSeparated", bytes.NewReader(row))
}
