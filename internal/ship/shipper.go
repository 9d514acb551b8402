package ship

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"wsec/internal/bookmark"
	"wsec/internal/spool"
)

// Queue is what a Shipper needs of its spool; *spool.Queue is one.
type Queue interface {
	Append(recs ...[]byte) (last uint64, err error)
	ReadWait(ctx context.Context, from uint64, maxRecords, maxBytes int) ([]spool.Record, error)
	ReadFrom(from uint64, maxRecords, maxBytes int) ([]spool.Record, error)
	AckState(seq uint64, state []byte) error
	State() []byte
	Stats() spool.Stats
}

// Shipper delivers one destination's spool to its workspace: it reads
// batches, sends them, and acknowledges the spool only after the workspace
// acknowledged the batch. Run does the work; Status and the Fanout may be
// used concurrently with it.
type Shipper struct {
	o    Options
	q    Queue
	c    *client
	comp compressor
	dl   *deadLetter
	tr   *tracker
	log  *slog.Logger
	m    *metrics
	wake func() // set by a Fanout: called after every acknowledgement

	running   atomic.Bool
	closeOnce sync.Once

	// Run's goroutine only.
	acked    uint64
	resume   state       // the batch in flight when the previous process stopped
	free     []*batchBuf // at most two: the batch in flight and the next
	prepared *batch      // the next batch, cut while the current one was in flight
	rng      *rand.Rand
	lastLog  time.Time
	lastMsg  string

	// The Fanout's Offer goroutine only: a destination detached by an I/O
	// error (not a full spool) stays detached until then.
	detachAt time.Time

	mu sync.Mutex
	st Status
}

// New returns the Shipper of one destination over its spool. It reads the
// state stored with the spool's cursor and scans the records not yet
// acknowledged, to know where each source channel stands.
func New(q Queue, o Options) (*Shipper, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Shipper{
		o:    o,
		q:    q,
		tr:   newTracker(),
		log:  o.Logger.With("destination", o.Name, "workspace", o.WorkspaceID),
		m:    newMetrics(),
		wake: func() {},
		rng:  rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x5eed)),
	}
	s.st = Status{Name: o.Name, Workspace: o.WorkspaceID, URL: o.URL}
	st, err := unmarshalState(q.State())
	if err != nil {
		// Not fatal: without it the first batch may be cut differently
		// and records re-read from the source may be spooled again; the
		// workspace drops exact duplicates by event key.
		s.log.Error("ignore unreadable shipper state in the spool cursor", "err", err)
		st = state{}
	}
	s.acked = q.Stats().Acked
	if st.inflightLast > s.acked {
		s.resume = st
	}
	for _, p := range st.positions {
		s.tr.setHighLocked(p.Channel, p.RecordID)
	}
	if err := s.scanPending(); err != nil {
		return nil, err
	}
	dir := o.DeadLetterDir
	if dir == "" {
		d, ok := q.(interface{ Dir() string })
		if !ok {
			return nil, errors.New("ship options: DeadLetterDir is required when the queue has no directory")
		}
		dir = filepath.Join(d.Dir(), "deadletter")
	}
	if s.dl, err = openDeadLetter(dir, o.MaxDeadLetterBytes); err != nil {
		return nil, err
	}
	if s.c, err = newClient(&s.o); err != nil {
		return nil, err
	}
	if s.comp, err = newCompressor(o.Compression); err != nil {
		return nil, err
	}
	if err := s.m.register(o.Registerer); err != nil {
		s.comp.close()
		return nil, fmt.Errorf("register ship metrics for %s: %w", o.Name, err)
	}
	return s, nil
}

// scanPending rebuilds the tracker's pending runs from the unacknowledged
// records (their envelopes carry the source position).
func (s *Shipper) scanPending() error {
	from := s.acked + 1
	s.tr.mu.Lock()
	defer s.tr.mu.Unlock()
	for {
		recs, err := s.q.ReadFrom(from, 1<<16, 16<<20)
		if err != nil {
			return fmt.Errorf("scan spool of %s: %w", s.o.Name, err)
		}
		if len(recs) == 0 {
			return nil
		}
		for _, r := range recs {
			ch, id, _, err := parseRecord(r.Data)
			if err == nil && len(ch) > 0 && id > 0 {
				s.tr.addPendingLocked(string(ch), r.Seq, id)
			}
		}
		from = recs[len(recs)-1].Seq + 1
	}
}

// Close releases the compressor, idle connections and metrics. Call it
// after Run returned; the spool is the caller's to close.
func (s *Shipper) Close() {
	s.closeOnce.Do(func() {
		s.comp.close()
		s.c.close()
		s.m.unregister(s.o.Registerer)
	})
}

// Name returns the destination's name.
func (s *Shipper) Name() string { return s.o.Name }

// Run ships until ctx is done (then it returns nil) or the spool fails in a
// way retrying cannot fix (a *spool.CorruptionError or spool.ErrClosed: the
// caller repairs or reopens the spool and starts a new Shipper). Network
// and workspace failures never end Run: they are retried with backoff.
func (s *Shipper) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return fmt.Errorf("ship %s: Run is already running", s.o.Name)
	}
	defer s.running.Store(false)
	var b *batch // the next batch, when the last acknowledgement already cut it
	for {
		var err error
		if b == nil {
			b, err = s.nextBatch(ctx)
		}
		if err == nil {
			b, err = s.ship(ctx, b)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

// batch is a run of spool records [first, last] and the body built from
// them. Once its range is stored as in flight it is never changed, so a
// batch sent again after a crash is byte for byte the one sent before.
type batch struct {
	first, last uint64
	recs        []spool.Record
	body        []byte
	events      int
	malformed   []spool.Record
	marked      bool // its range is stored as the batch in flight
	wire        []byte
	buf         *batchBuf
}

// batchBuf holds a batch's body and compressed body; buffers go back to
// the Shipper when the batch is done, so steady shipping does not allocate
// megabytes per batch.
type batchBuf struct{ body, wire []byte }

func (s *Shipper) getBuf() *batchBuf {
	if n := len(s.free); n > 0 {
		b := s.free[n-1]
		s.free = s.free[:n-1]
		return b
	}
	return new(batchBuf)
}

// release gives b's buffers back (keeping at most two, none over 2x the
// batch limit).
func (s *Shipper) release(b *batch) {
	if b == nil || b.buf == nil {
		return
	}
	if len(s.free) < 2 && cap(b.buf.body) <= 2*s.o.MaxBatchBytes+MaxRecordSlack {
		s.free = append(s.free, b.buf)
	}
	b.buf, b.body, b.wire = nil, nil, nil
}

// compress fills b.wire (once: retries send the same bytes).
func (s *Shipper) compress(b *batch) error {
	if b.wire != nil || b.events == 0 {
		return nil
	}
	wire, err := s.comp.compress(b.buf.wire, b.body)
	if err != nil {
		return fmt.Errorf("ship %s: compress batch %d: %w", s.o.Name, b.first, err)
	}
	b.wire, b.buf.wire = wire, wire[:0]
	return nil
}

// nextBatch waits for records and cuts the next batch: the one in flight
// at the last crash if any, else by size, count and FlushInterval.
func (s *Shipper) nextBatch(ctx context.Context) (*batch, error) {
	from := s.acked + 1
	if r := s.resume; r.inflightLast >= from {
		s.resume = state{}
		first := max(r.inflightFirst, from)
		recs, err := s.readRange(ctx, first, r.inflightLast)
		if err != nil {
			return nil, err
		}
		if len(recs) > 0 {
			s.log.Info("resending the batch in flight at the last stop", "batch_seq", first, "last_seq", r.inflightLast)
			b := s.build(first, r.inflightLast, recs)
			b.marked = first == r.inflightFirst
			return b, nil
		}
	}
	recs, err := s.read(ctx, from, s.o.MaxBatchRecords, s.o.MaxBatchBytes)
	if err != nil {
		return nil, err
	}
	size := dataBytes(recs)
	deadline := time.Now().Add(s.o.FlushInterval)
	for len(recs) < s.o.MaxBatchRecords && size < s.o.MaxBatchBytes {
		wctx, cancel := context.WithDeadline(ctx, deadline)
		more, err := s.q.ReadWait(wctx, recs[len(recs)-1].Seq+1, s.o.MaxBatchRecords-len(recs), s.o.MaxBatchBytes-size)
		cancel()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				break
			}
			return nil, s.readErr(err)
		}
		for _, r := range more {
			if size+len(r.Data) > s.o.MaxBatchBytes {
				more = nil // the next batch starts with it
				break
			}
			recs = append(recs, r)
			size += len(r.Data)
		}
		if more == nil {
			break
		}
	}
	return s.build(recs[0].Seq, recs[len(recs)-1].Seq, recs), nil
}

// read is ReadWait that retries transient read errors.
func (s *Shipper) read(ctx context.Context, from uint64, n, bytes int) ([]spool.Record, error) {
	for attempt := 0; ; attempt++ {
		recs, err := s.q.ReadWait(ctx, from, n, bytes)
		if err == nil {
			return recs, nil
		}
		if err := s.readErr(err); err != nil {
			return nil, err
		}
		if err := s.sleep(ctx, s.backoff(attempt, 0)); err != nil {
			return nil, err
		}
	}
}

// readErr returns err if it ends Run, or nil after recording a transient one.
func (s *Shipper) readErr(err error) error {
	var ce *spool.CorruptionError
	if errors.As(err, &ce) || errors.Is(err, spool.ErrClosed) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("ship %s: read spool: %w", s.o.Name, err)
	}
	s.failure(fmt.Errorf("read spool: %w", err))
	return nil
}

// readRange reads exactly the records first..last (fewer if some are gone).
func (s *Shipper) readRange(ctx context.Context, first, last uint64) ([]spool.Record, error) {
	var out []spool.Record
	for from := first; from <= last; {
		recs, err := s.q.ReadFrom(from, int(min(last-from+1, 1<<20)), 1<<30)
		if err != nil {
			if err := s.readErr(err); err != nil {
				return nil, err
			}
			if err := s.sleep(ctx, s.o.RetryBase); err != nil {
				return nil, err
			}
			continue
		}
		for _, r := range recs {
			if r.Seq > last {
				return out, nil
			}
			out = append(out, r)
		}
		if len(recs) == 0 {
			break
		}
		from = recs[len(recs)-1].Seq + 1
	}
	return out, nil
}

func dataBytes(recs []spool.Record) int {
	n := 0
	for _, r := range recs {
		n += len(r.Data)
	}
	return n
}

// build makes the body: the framed events of recs, back to back.
func (s *Shipper) build(first, last uint64, recs []spool.Record) *batch {
	b := &batch{first: first, last: last, recs: recs, buf: s.getBuf()}
	body := b.buf.body[:0]
	for _, r := range recs {
		_, _, framed, err := parseRecord(r.Data)
		if err != nil {
			b.malformed = append(b.malformed, r)
			continue
		}
		body = append(body, framed...)
		b.events++
	}
	b.body = body
	b.buf.body = body[:0]
	return b
}

// ship delivers b, acknowledges it in the spool, and returns the next
// batch if that acknowledgement already cut it (see ack).
func (s *Shipper) ship(ctx context.Context, b *batch) (*batch, error) {
	if len(b.malformed) > 0 {
		s.parkMalformed(b)
	}
	for b.events > 0 {
		// Store the range before the first attempt: after a crash the same
		// records go out again under the same X-Wsec-Seq.
		if !b.marked {
			if err := s.commit(ctx, s.acked, state{inflightFirst: b.first, inflightLast: b.last}); err != nil {
				return nil, err
			}
			b.marked = true
		}
		s.setStatus(func(st *Status) { st.InFlightSeq = b.first })
		split, err := s.deliver(ctx, b)
		if err != nil {
			return nil, err
		}
		if split == nil {
			break
		}
		b = split
	}
	return s.ack(ctx, b)
}

// readyBatch cuts the batch after the acknowledged one if a full batch is
// already waiting in the spool (the busy case), so that one cursor write
// both acknowledges b and stores the next range; otherwise nil.
func (s *Shipper) readyBatch(from uint64) *batch {
	recs, err := s.q.ReadFrom(from, s.o.MaxBatchRecords, s.o.MaxBatchBytes)
	if err != nil || len(recs) == 0 {
		return nil
	}
	if len(recs) < s.o.MaxBatchRecords && dataBytes(recs) < s.o.MaxBatchBytes-s.o.MaxBatchBytes/10 {
		return nil // not full: let nextBatch wait up to FlushInterval for more
	}
	return s.build(recs[0].Seq, recs[len(recs)-1].Seq, recs)
}

// deliver sends b until the workspace acknowledges it (nil, nil), rejects
// it (parked, nil, nil) or refuses it as too large (the first half of b to
// send instead). It returns an error only when ctx is done.
func (s *Shipper) deliver(ctx context.Context, b *batch) (*batch, error) {
	if err := s.compress(b); err != nil {
		return nil, err
	}
	wire := b.wire
	for attempt := 0; ; attempt++ {
		resp, err := s.postAndPrepare(ctx, b)
		var retryAfter time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.m.attempts.WithLabelValues("network").Inc()
			s.failure(err)
		case resp.status >= 200 && resp.status < 300:
			s.m.attempts.WithLabelValues("ok").Inc()
			s.m.batches.WithLabelValues("acked").Inc()
			s.m.recordsAcked.Add(float64(b.events))
			s.m.bodyBytes.Add(float64(len(b.body)))
			s.m.wireBytes.Add(float64(len(wire)))
			now := s.o.Now()
			s.m.lastSuccessUnix.Set(float64(now.Unix()))
			s.setStatus(func(st *Status) {
				st.SentBatches++
				st.SentRecords += uint64(b.events)
				st.SentWireBytes += uint64(len(wire))
				st.LastSuccess = now
			})
			return nil, nil
		case resp.status == 413 && len(b.recs) > 1:
			s.m.attempts.WithLabelValues("http_4xx").Inc()
			s.m.batches.WithLabelValues("split").Inc()
			half := b.recs[:len(b.recs)/2]
			s.log.Warn("workspace refused a batch as too large; sending it in halves",
				"batch_seq", b.first, "records", len(b.recs), "bytes", len(b.body))
			// The prepared next batch started after the whole of b.
			s.release(s.prepared)
			s.prepared = nil
			split := s.build(b.first, half[len(half)-1].Seq, half)
			s.release(b)
			return split, nil
		case rejected(resp.status):
			s.m.attempts.WithLabelValues("http_4xx").Inc()
			rej := &RejectedError{Workspace: s.o.WorkspaceID, BatchSeq: b.first, Status: resp.status, Body: resp.body}
			if err := s.park(b, rej); err != nil {
				s.failure(err) // not parked: keep the batch, retry later
				break
			}
			return nil, nil
		default:
			if resp.status >= 500 {
				s.m.attempts.WithLabelValues("http_5xx").Inc()
			} else {
				s.m.attempts.WithLabelValues("http_4xx").Inc()
			}
			retryAfter = resp.retryAfter
			s.failure(statusError(s.o.WorkspaceID, b.first, resp))
		}
		if err := s.sleep(ctx, s.backoff(attempt, retryAfter)); err != nil {
			return nil, err
		}
	}
}

// postAndPrepare sends b once; while the request is in flight it cuts and
// compresses the next batch if a full one is waiting, so that in the busy
// case compression overlaps the network and the workspace's work.
func (s *Shipper) postAndPrepare(ctx context.Context, b *batch) (response, error) {
	type result struct {
		resp response
		err  error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		resp, err := s.c.post(ctx, b.first, b.last, b.events, b.wire)
		done <- result{resp, err}
	}()
	if s.prepared == nil {
		if next := s.readyBatch(b.last + 1); next != nil {
			if err := s.compress(next); err != nil {
				s.release(next)
			} else {
				s.prepared = next
			}
		}
	}
	r := <-done
	s.m.requestSeconds.Observe(time.Since(start).Seconds())
	return r.resp, r.err
}

// rejected reports whether a status means the batch itself is refused, so
// that sending it again cannot help. 401/403 (key or clock) and 404
// (workspace URL or ID) are configuration problems that an operator fixes
// while the spool holds the events; 408 and 429 are retried.
func rejected(status int) bool {
	switch status {
	case 401, 403, 404, 408, 429:
		return false
	}
	return status >= 400 && status < 500
}

func statusError(ws string, seq uint64, r response) error {
	hint := ""
	switch r.status {
	case 401, 403:
		hint = " (check the workspace key and this machine's clock)"
	case 404:
		hint = " (check the workspace URL and ID)"
	}
	return fmt.Errorf("workspace %s answered batch %d with HTTP %d%s: %s", ws, seq, r.status, hint, r.body)
}

// park puts a rejected batch in the dead-letter directory.
func (s *Shipper) park(b *batch, rej *RejectedError) error {
	err := s.dl.park(deadLetterMeta{
		Workspace: s.o.WorkspaceID, Sender: s.o.SenderID, Seq: b.first, LastSeq: b.last,
		Records: b.events, Status: rej.Status, Reason: rej.Error(), Time: s.o.Now(),
	}, b.body)
	if err != nil {
		return fmt.Errorf("%w; could not park it: %w", rej, err)
	}
	s.m.batches.WithLabelValues("rejected").Inc()
	s.m.deadLetter.Inc()
	s.m.deadLetterRecs.Add(float64(b.events))
	s.setStatus(func(st *Status) {
		st.Rejected++
		st.RejectedRecords += uint64(b.events)
		st.LastError, st.LastErrorTime = rej.Error(), s.o.Now()
	})
	s.log.Error("workspace rejected a batch; parked it in the dead-letter directory",
		"batch_seq", b.first, "last_seq", b.last, "records", b.events, "status", rej.Status, "dir", s.dl.dir, "err", rej)
	return nil
}

// parkMalformed keeps spool records that are not a position and an event
// frame (a bug, not damage: the spool's CRC held). They are not sent.
func (s *Shipper) parkMalformed(b *batch) {
	var body []byte
	for _, r := range b.malformed {
		body = append(body, r.Data...)
	}
	err := s.dl.park(deadLetterMeta{
		Workspace: s.o.WorkspaceID, Sender: s.o.SenderID, Seq: b.malformed[0].Seq,
		LastSeq: b.malformed[len(b.malformed)-1].Seq, Records: len(b.malformed),
		Reason: "malformed spool records (raw spool record data, concatenated)", Time: s.o.Now(),
	}, body)
	s.m.malformed.Add(float64(len(b.malformed)))
	s.log.Error("malformed spool records were not sent", "batch_seq", b.first, "records", len(b.malformed), "parked", err == nil, "err", err)
}

// commit stores the cursor and state, retrying storage errors.
func (s *Shipper) commit(ctx context.Context, acked uint64, st state) error {
	st.positions = s.tr.durableAfter(acked)
	blob := st.marshal()
	for attempt := 0; ; attempt++ {
		err := s.q.AckState(acked, blob)
		if err == nil {
			return nil
		}
		if errors.Is(err, spool.ErrClosed) {
			return fmt.Errorf("ship %s: %w", s.o.Name, err)
		}
		s.failure(fmt.Errorf("store spool cursor %d: %w", acked, err))
		if err := s.sleep(ctx, s.backoff(attempt, 0)); err != nil {
			return err
		}
	}
}

// ack moves the spool cursor past b, in the same write storing the range
// of the next batch when one is ready; it returns that batch.
func (s *Shipper) ack(ctx context.Context, b *batch) (*batch, error) {
	next := s.prepared
	s.prepared = nil
	if next == nil || next.first != b.last+1 {
		s.release(next)
		next = s.readyBatch(b.last + 1)
	}
	var st state
	if next != nil && next.events > 0 {
		st = state{inflightFirst: next.first, inflightLast: next.last}
	}
	if err := s.commit(ctx, b.last, st); err != nil {
		return nil, err
	}
	if next != nil {
		next.marked = next.events > 0
	}
	s.tr.ack(b.last)
	s.acked = b.last
	s.release(b)
	s.setStatus(func(st *Status) { st.AckedSeq, st.InFlightSeq = b.last, 0 })
	s.wake()
	return next, nil
}

// backoff is full jitter: uniform in [0, min(RetryMax, RetryBase*2^attempt)],
// but at least what the workspace asked for (Retry-After).
func (s *Shipper) backoff(attempt int, retryAfter time.Duration) time.Duration {
	ceil := s.o.RetryMax
	if attempt < 30 {
		if c := s.o.RetryBase << attempt; c > 0 && c < ceil {
			ceil = c
		}
	}
	return max(time.Duration(s.rng.Int64N(int64(ceil)+1)), retryAfter)
}

func (s *Shipper) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// failure records an error that will be retried: status, metrics, and a
// warning unless the same one was logged within errorLogInterval.
func (s *Shipper) failure(err error) {
	now := s.o.Now()
	msg := err.Error()
	s.setStatus(func(st *Status) {
		st.Retries++
		st.LastError, st.LastErrorTime = msg, now
	})
	if msg != s.lastMsg || now.Sub(s.lastLog) >= errorLogInterval {
		s.log.Warn("delivery failed; retrying", "err", err)
		s.lastMsg, s.lastLog = msg, now
	}
}

func (s *Shipper) setStatus(f func(*Status)) {
	s.mu.Lock()
	f(&s.st)
	s.mu.Unlock()
}

// Status returns the destination's current state.
func (s *Shipper) Status() Status {
	s.mu.Lock()
	st := s.st
	s.mu.Unlock()
	qs := s.q.Stats()
	st.QueuedRecords, st.QueuedBytes = qs.DepthRecords, qs.DepthBytes
	st.SpoolBytes, st.SpoolMaxBytes = qs.DiskBytes, qs.MaxBytes
	st.AckedSeq = qs.Acked
	return st
}

// Durable returns, per source channel, the position up to which every
// event offered to this destination is acknowledged or filtered out.
func (s *Shipper) Durable() []bookmark.Position {
	return positionsOf(s.tr.durable())
}
