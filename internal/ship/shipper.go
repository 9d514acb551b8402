package ship

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
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
// batches, sends up to Options.MaxInFlight of them at once, and moves the
// spool's cursor only over batches the workspace acknowledged, in order.
// Run does the work; Status and the Fanout may be used concurrently with it.
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

	// The cursor and what is in flight, guarded by wmu: every write of the
	// spool's cursor state happens under it, so the state stored always
	// lists every batch sent and not acknowledged.
	wmu    sync.Mutex
	acked  uint64
	window []*flight // batches sent, oldest first
	resume []span    // batches in flight when the previous Run stopped, not sent again yet

	next uint64 // Run's cutting goroutine only: the first record of the next batch

	omu     sync.Mutex // guards free, rng, lastLog and lastMsg
	free    []*batchBuf
	rng     *rand.Rand
	lastLog time.Time
	lastMsg string

	compMu sync.Mutex // the compressor is used by one goroutine at a time
	// s2Refused: the workspace refused an S2 body, so batches are sent
	// with zstd (fallback, made at the first refusal) until the next New.
	s2Refused atomic.Bool
	fallback  compressor // guarded by compMu

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
	for _, sp := range st.inflight {
		if sp.last > s.acked {
			s.resume = append(s.resume, sp)
		}
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
		if s.fallback != nil {
			s.fallback.close()
		}
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
//
// Run's goroutine cuts batches; each is sent by a goroutine of its own, at
// most MaxInFlight at once. A batch's range is stored before it is sent,
// and an acknowledgement moves the cursor only over the acknowledged
// batches that no unacknowledged one precedes (complete).
func (s *Shipper) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return fmt.Errorf("ship %s: Run is already running", s.o.Name)
	}
	defer s.running.Store(false)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg      sync.WaitGroup
		errOnce sync.Once
		sendErr error
	)
	fail := func(err error) {
		errOnce.Do(func() { sendErr = err })
		cancel()
	}
	slots := make(chan struct{}, s.o.MaxInFlight)
	err := s.cut(rctx, slots, &wg, fail)
	if rctx.Err() != nil {
		err = nil // stopped, or a sender failed
	}
	cancel()
	wg.Wait()
	s.stopped()
	switch {
	case ctx.Err() != nil:
		return nil
	case err != nil:
		return err
	}
	return sendErr
}

// cut cuts batches and starts a sender for each, until ctx ends or the
// spool fails.
func (s *Shipper) cut(ctx context.Context, slots chan struct{}, wg *sync.WaitGroup, fail func(error)) error {
	s.next = s.acked + 1
	for {
		b, err := s.nextBatch(ctx)
		if err != nil {
			return err
		}
		if err := s.compress(b); err != nil {
			s.release(b)
			return err
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			s.release(b)
			return ctx.Err()
		}
		f, err := s.launch(ctx, b)
		if err != nil {
			s.release(b)
			<-slots
			return err
		}
		if len(b.malformed) > 0 {
			s.parkMalformed(b)
		}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := s.ship(ctx, f, b); err != nil && ctx.Err() == nil {
				fail(err)
			}
		})
	}
}

// flight is a batch sent and not yet acknowledged, or acknowledged while
// an older one is not.
type flight struct {
	span
	done bool
}

// launch puts b in the window and, unless its range is stored already,
// stores it (before the first attempt: after a crash the same records go
// out again under the same X-Wsec-Seq).
func (s *Shipper) launch(ctx context.Context, b *batch) (*flight, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if len(s.resume) > 0 && s.resume[0].last == b.last {
		s.resume = s.resume[1:]
	}
	f := &flight{span: span{b.first, b.last}}
	s.window = append(s.window, f)
	s.next = b.last + 1
	if b.events > 0 && !b.marked {
		if err := s.commitLocked(ctx, s.acked); err != nil {
			return nil, err
		}
	}
	s.setStatus(func(st *Status) { st.InFlightSeq = s.window[0].first })
	return f, nil
}

// stopped makes the batches still in flight the first ones the next Run
// sends, with the same ranges.
func (s *Shipper) stopped() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.resume = s.inflightLocked()
	s.window = nil
	s.setStatus(func(st *Status) { st.InFlightSeq = 0 })
}

// inflightLocked lists the ranges sent or to be sent again and not
// acknowledged, oldest first.
func (s *Shipper) inflightLocked() []span {
	out := make([]span, 0, len(s.window)+len(s.resume))
	for _, f := range s.window {
		out = append(out, f.span)
	}
	return append(out, s.resume...)
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
	enc         Compression // wire's encoding
	buf         *batchBuf
}

// batchBuf holds a batch's body and compressed body; buffers go back to
// the Shipper when the batch is done, so steady shipping does not allocate
// megabytes per batch.
type batchBuf struct{ body, wire []byte }

func (s *Shipper) getBuf() *batchBuf {
	s.omu.Lock()
	defer s.omu.Unlock()
	if n := len(s.free); n > 0 {
		b := s.free[n-1]
		s.free = s.free[:n-1]
		return b
	}
	return new(batchBuf)
}

// release gives b's buffers back (keeping at most one per batch in flight
// and the next, none over 2x the batch limit).
func (s *Shipper) release(b *batch) {
	if b == nil || b.buf == nil {
		return
	}
	s.omu.Lock()
	defer s.omu.Unlock()
	if len(s.free) <= s.o.MaxInFlight && cap(b.buf.body) <= 2*s.o.MaxBatchBytes+MaxRecordSlack {
		s.free = append(s.free, b.buf)
	}
	b.buf, b.body, b.wire = nil, nil, nil
}

// compress fills b.wire (once: retries send the same bytes, unless the
// workspace refuses S2) and b.enc.
func (s *Shipper) compress(b *batch) error {
	if b.wire != nil || b.events == 0 {
		return nil
	}
	s.compMu.Lock()
	defer s.compMu.Unlock()
	comp, enc := s.comp, s.o.Compression
	if enc == S2 && s.s2Refused.Load() {
		if s.fallback == nil {
			var err error
			if s.fallback, err = newCompressor(Zstd); err != nil {
				return fmt.Errorf("ship %s: %w", s.o.Name, err)
			}
		}
		comp, enc = s.fallback, Zstd
	}
	wire, err := comp.compress(b.buf.wire, b.body)
	if err != nil {
		return fmt.Errorf("ship %s: compress batch %d: %w", s.o.Name, b.first, err)
	}
	b.wire, b.buf.wire, b.enc = wire, wire[:0], enc
	return nil
}

// nextBatch waits for records and cuts the next batch: the next of those
// in flight at the last stop if any, else by size, count and FlushInterval.
func (s *Shipper) nextBatch(ctx context.Context) (*batch, error) {
	for {
		s.wmu.Lock()
		var r span
		if len(s.resume) > 0 {
			r = s.resume[0]
		}
		s.wmu.Unlock()
		if r.last == 0 {
			break
		}
		first := max(r.first, s.next)
		recs, err := s.readRange(ctx, first, r.last)
		if err != nil {
			return nil, err
		}
		if len(recs) > 0 {
			s.log.Info("resending a batch in flight at the last stop", "batch_seq", first, "last_seq", r.last)
			b := s.build(first, r.last, recs)
			b.marked = first == r.first
			return b, nil
		}
		s.wmu.Lock() // its records are gone (a spool repair): cut anew
		s.resume = s.resume[1:]
		s.wmu.Unlock()
	}
	from := s.next
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

// ship delivers b, the batch of f, and acknowledges it (complete). A
// batch the workspace refuses as too large is sent in two halves, each a
// batch in flight of its own.
func (s *Shipper) ship(ctx context.Context, f *flight, b *batch) error {
	if b.events > 0 {
		tooLarge, err := s.deliver(ctx, b)
		if err != nil {
			s.release(b)
			return err
		}
		if tooLarge {
			half, rest := b.recs[:len(b.recs)/2], b.recs[len(b.recs)/2:]
			s.release(b)
			g, err := s.divide(ctx, f, half[len(half)-1].Seq)
			if err != nil {
				return err
			}
			if err := s.ship(ctx, f, s.build(f.first, f.last, half)); err != nil {
				return err
			}
			return s.ship(ctx, g, s.build(g.first, g.last, rest))
		}
	}
	s.release(b)
	return s.complete(ctx, f)
}

// divide splits f after record mid into f and a new flight after it, and
// stores both ranges before either is sent.
func (s *Shipper) divide(ctx context.Context, f *flight, mid uint64) (*flight, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	g := &flight{span: span{mid + 1, f.last}}
	f.last = mid
	i := slices.Index(s.window, f)
	s.window = slices.Insert(s.window, i+1, g)
	return g, s.commitLocked(ctx, s.acked)
}

// deliver sends b until the workspace acknowledges it (false, nil),
// rejects it (parked, false, nil) or refuses it as too large (true, nil).
// It returns an error only when ctx is done or b cannot be compressed.
func (s *Shipper) deliver(ctx context.Context, b *batch) (tooLarge bool, err error) {
	if err := s.compress(b); err != nil {
		return false, err
	}
	for attempt := 0; ; attempt++ {
		wire := b.wire
		start := time.Now()
		resp, err := s.c.post(ctx, b.first, b.last, b.events, b.enc, wire)
		s.m.requestSeconds.Observe(time.Since(start).Seconds())
		var retryAfter time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return false, ctx.Err()
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
			return false, nil
		case resp.status == 413 && len(b.recs) > 1:
			s.m.attempts.WithLabelValues("http_4xx").Inc()
			s.m.batches.WithLabelValues("split").Inc()
			s.log.Warn("workspace refused a batch as too large; sending it in halves",
				"batch_seq", b.first, "records", len(b.recs), "bytes", len(b.body))
			return true, nil
		case b.enc == S2 && (resp.status == http.StatusBadRequest || resp.status == http.StatusUnsupportedMediaType):
			// A workspace (or proxy) that does not know S2 refuses the
			// encoding, not the batch: the same batch (same sequence
			// number) goes again with zstd, and so does every later one.
			s.m.attempts.WithLabelValues("http_4xx").Inc()
			if !s.s2Refused.Swap(true) {
				s.log.Warn("workspace refused an s2 body; sending zstd from now on (upgrade the workspace to use s2)",
					"batch_seq", b.first, "status", resp.status, "answer", resp.body)
			}
			b.wire = nil
			if err := s.compress(b); err != nil {
				return false, err
			}
			continue
		case Rejected(resp.status):
			s.m.attempts.WithLabelValues("http_4xx").Inc()
			rej := &RejectedError{Workspace: s.o.WorkspaceID, BatchSeq: b.first, Status: resp.status, Body: resp.body}
			if err := s.park(b, rej); err != nil {
				s.failure(err) // not parked: keep the batch, retry later
				break
			}
			return false, nil
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
			return false, err
		}
	}
}

// Rejected reports whether a workspace's answer status means the batch
// itself is refused, so that sending it again cannot help. 401/403 (key or
// clock) and 404 (workspace URL or ID) are configuration problems that an
// operator fixes while the spool holds the events; 408 and 429 are
// retried. (The relay gateway judges its forwarded batches the same way.)
func Rejected(status int) bool {
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

// commitLocked stores the cursor at acked with the batches in flight and
// the durable positions, retrying storage errors. s.wmu is held.
func (s *Shipper) commitLocked(ctx context.Context, acked uint64) error {
	st := state{inflight: s.inflightLocked(), positions: s.tr.durableAfter(acked)}
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

// complete records that f is acknowledged (or parked) and moves the spool
// cursor over the batches now acknowledged with every older one: a batch
// answered before an older one waits in the window, so the cursor never
// passes a batch the workspace may not hold.
func (s *Shipper) complete(ctx context.Context, f *flight) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	f.done = true
	n := 0
	for n < len(s.window) && s.window[n].done {
		n++
	}
	if n == 0 {
		return nil
	}
	last := s.window[n-1].last
	s.window = slices.Delete(s.window, 0, n)
	if err := s.commitLocked(ctx, last); err != nil {
		return err
	}
	s.tr.ack(last)
	s.acked = last
	inflight := uint64(0)
	if len(s.window) > 0 {
		inflight = s.window[0].first
	}
	s.setStatus(func(st *Status) { st.AckedSeq, st.InFlightSeq = last, inflight })
	s.wake()
	return nil
}

// backoff is full jitter: uniform in [0, min(RetryMax, RetryBase*2^attempt)],
// but at least what the workspace asked for (Retry-After).
func (s *Shipper) backoff(attempt int, retryAfter time.Duration) time.Duration {
	s.omu.Lock()
	defer s.omu.Unlock()
	return Backoff(s.rng, attempt, s.o.RetryBase, s.o.RetryMax, retryAfter)
}

// Backoff is the wait before retry number attempt (from 0): full jitter,
// uniform in [0, min(ceil, base*2^attempt)], but at least retryAfter (what
// the workspace asked for).
func Backoff(rng *rand.Rand, attempt int, base, ceil, retryAfter time.Duration) time.Duration {
	if attempt < 30 {
		if c := base << attempt; c > 0 && c < ceil {
			ceil = c
		}
	}
	return max(time.Duration(rng.Int64N(int64(ceil)+1)), retryAfter)
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
	s.omu.Lock()
	defer s.omu.Unlock()
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
