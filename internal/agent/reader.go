package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"wsec/internal/bookmark"
	"wsec/internal/event"
	"wsec/internal/ship"
	"wsec/internal/source"
)

// fanout is what the reader needs of a ship.Fanout: Offer from one
// goroutine, Durable from any.
type fanout interface {
	Offer(ctx context.Context, items []ship.Item) error
	Durable() []bookmark.Position
	Held() []bookmark.Position
	Status() []ship.Status
}

// errRewind ends a stream's Read when the sources must be re-read from the
// durable positions (ship.ErrRewind).
var errRewind = errors.New("rewind to the durable positions")

// streamState is one stream's life in the reader. Fields without a comment
// belong to the reader's goroutine.
type streamState struct {
	s    source.Stream
	name string
	once bool // source.Once: read once, never rewound

	running  bool
	done     bool // ended (nil) in the current generation
	started  bool // a Once stream is read only once
	failures int
	retryAt  time.Time

	mu      sync.Mutex // guards the fields below, read by status
	events  uint64     // events read and taken by the fanout
	pos     uint64     // position offered up to
	ended   bool       // copy of done
	lastErr string
	errAt   time.Time
}

// StreamStatus is a stream's state as status shows it.
type StreamStatus struct {
	Name      string    `json:"name"`
	Events    uint64    `json:"events"`   // read since start
	Position  uint64    `json:"position"` // read up to
	Bookmark  uint64    `json:"bookmark"` // acknowledged by every destination up to
	Done      bool      `json:"done,omitempty"`
	LastError string    `json:"lastError,omitempty"`
	ErrorTime time.Time `json:"errorTime,omitzero"`
}

func (st *streamState) status() StreamStatus {
	st.mu.Lock()
	defer st.mu.Unlock()
	return StreamStatus{Name: st.name, Events: st.events, Position: st.pos, Done: st.ended, LastError: st.lastErr, ErrorTime: st.errAt}
}

// offerReq carries a stream's batch to the reader's goroutine, which alone
// calls Offer; reply says whether it was taken.
type offerReq struct {
	st    *streamState
	b     source.Batch
	reply chan error
}

type ended struct {
	st  *streamState
	gen int
	err error
}

// reader runs the streams and feeds their batches to the fanout. It owns
// the rewind: when a destination that had filled its spool can take
// events again, every re-readable stream is stopped and started again from
// the durable positions, so that destination catches up and the others
// skip what they hold (see doc.go).
type reader struct {
	fan          fanout
	bm           *bookmark.Store
	streams      []*streamState
	log          *slog.Logger
	m            *metrics
	now          func() time.Time
	exitWhenDone bool

	items         []ship.Item
	maxOfferBytes int // see offer
	reqs          chan offerReq
	ends          chan ended

	gen       int
	genCtx    context.Context
	cancelGen context.CancelFunc
	inGen     int // Reads of the current generation still running

	fatal error // a stream's source.ErrConfig: the reader stops with it
}

func newReader(fan fanout, bm *bookmark.Store, streams []source.Stream, maxOfferBytes int, log *slog.Logger, m *metrics, now func() time.Time, exitWhenDone bool) *reader {
	r := &reader{fan: fan, bm: bm, log: log, m: m, now: now, exitWhenDone: exitWhenDone, maxOfferBytes: maxOfferBytes,
		reqs: make(chan offerReq), ends: make(chan ended, len(streams))}
	for _, s := range streams {
		_, once := s.(source.Once)
		r.streams = append(r.streams, &streamState{s: s, name: s.Name(), once: once})
	}
	return r
}

// startPositions returns where each stream starts: the lower of the
// fanout's durable position and the saved bookmark (either may be missing:
// a new spool, a deleted bookmark file); 0 when neither knows the stream.
func (r *reader) startPositions() map[string]uint64 {
	pos := map[string]uint64{}
	for _, p := range r.fan.Durable() {
		pos[p.Channel] = p.RecordID
	}
	for _, st := range r.streams {
		b, okB := r.bm.Get(st.name)
		d, okD := pos[st.name]
		switch {
		case st.once:
			// Positions of a stream read once only need to stay above
			// those stored before.
			pos[st.name] = max(b, d)
		case okB && okD:
			pos[st.name] = min(b, d)
		case okB:
			pos[st.name] = b
		}
	}
	return pos
}

// run reads until ctx is done (it then returns nil after every Read has
// returned), with exitWhenDone until everything was delivered, or until a
// stream fails with source.ErrConfig (returned once every Read returned).
func (r *reader) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.startGeneration(ctx)
	tick := time.NewTicker(DetachedPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			r.stopGeneration()
			r.stopOnce()
			return nil
		case req := <-r.reqs:
			r.handle(ctx, req)
		case e := <-r.ends:
			r.ended(e)
			if r.fatal != nil {
				cancel()
				r.stopGeneration()
				r.stopOnce()
				return r.fatal
			}
		case <-tick.C:
			r.tick(ctx)
			if r.exitWhenDone && r.finished() {
				r.stopGeneration()
				r.stopOnce()
				return nil
			}
		}
	}
}

// startGeneration starts every stream that is not running.
func (r *reader) startGeneration(ctx context.Context) {
	r.gen++
	r.genCtx, r.cancelGen = context.WithCancel(ctx)
	pos := r.startPositions()
	for _, st := range r.streams {
		if st.once && st.started {
			continue
		}
		r.start(ctx, st, pos[st.name])
	}
}

func (r *reader) start(ctx context.Context, st *streamState, after uint64) {
	st.running, st.started, st.done = true, true, false
	st.mu.Lock()
	st.ended = false
	st.mu.Unlock()
	gen, rctx := r.gen, r.genCtx
	if st.once {
		rctx = ctx // never rewound
	} else {
		r.inGen++
	}
	reply := make(chan error, 1)
	emit := func(b source.Batch) error {
		select {
		case r.reqs <- offerReq{st: st, b: b, reply: reply}:
		case <-rctx.Done():
			return rctx.Err()
		}
		return <-reply
	}
	if rs, ok := st.s.(source.Resumer); ok {
		for _, p := range r.fan.Held() {
			if p.Channel == st.name {
				rs.Held(p.RecordID)
			}
		}
	}
	go func() {
		err := st.s.Read(rctx, after, emit)
		r.ends <- ended{st: st, gen: gen, err: err}
	}()
}

// stopGeneration cancels the current generation's Reads and waits for
// them, answering nothing in between (their emits see the cancellation).
func (r *reader) stopGeneration() {
	r.cancelGen()
	for r.inGen > 0 {
		r.ended(<-r.ends)
	}
}

// stopOnce waits for streams read once (their ctx is the caller's, done).
func (r *reader) stopOnce() {
	for _, st := range r.streams {
		for st.once && st.running {
			r.ended(<-r.ends)
		}
	}
}

func (r *reader) rewind(ctx context.Context) {
	r.m.rewinds.Inc()
	r.log.Info("re-reading the sources from the durable positions: a destination can take events again")
	r.stopGeneration()
	r.startGeneration(ctx)
}

// handle offers one batch. On a rewind the batch is refused (its stream
// is stopped and read again), except for a stream read once, whose batch
// is offered again after the others were rewound.
func (r *reader) handle(ctx context.Context, req offerReq) {
	for {
		err := r.offer(ctx, req)
		if !errors.Is(err, ship.ErrRewind) {
			req.reply <- err
			return
		}
		if !req.st.once {
			req.reply <- errRewind
			r.rewind(ctx)
			return
		}
		r.rewind(ctx)
	}
}

// offer hands the batch to the fanout in parts of at most maxOfferBytes
// (estimated), because a destination appends an offer to its spool whole
// or not at all: an offer larger than a spool could never be taken.
func (r *reader) offer(ctx context.Context, req offerReq) error {
	b, st := req.b, req.st
	for i := 0; i < len(b.Events); {
		r.items = r.items[:0]
		size := 0
		for ; i < len(b.Events) && (len(r.items) == 0 || size < r.maxOfferBytes); i++ {
			e := b.Events[i]
			size += approxSize(e)
			r.items = append(r.items, ship.Item{Pos: bookmark.Position{Channel: st.name, RecordID: b.Pos[i]}, Event: e})
		}
		err := r.fan.Offer(ctx, r.items)
		n := len(r.items)
		clear(r.items) // do not keep the source's events alive
		if err != nil {
			return err
		}
		r.taken(st, n, b.Pos[i-1])
	}
	r.taken(st, 0, b.Through)
	return nil
}

// taken records that n events up to position pos were taken; progress
// starts a failing stream's backoff over.
func (r *reader) taken(st *streamState, n int, pos uint64) {
	if n > 0 {
		st.failures = 0
	}
	st.mu.Lock()
	st.events += uint64(n)
	st.pos = max(st.pos, pos)
	st.mu.Unlock()
	if n > 0 {
		r.m.eventsRead.WithLabelValues(st.name).Add(float64(n))
	}
}

// ended records a Read's return.
func (r *reader) ended(e ended) {
	st := e.st
	if st.once || e.gen == r.gen {
		st.running = false
	}
	if !st.once {
		r.inGen--
		if e.gen != r.gen {
			return // a rewound generation
		}
	}
	switch {
	case e.err == nil:
		st.done = true
		st.mu.Lock()
		st.ended = true
		st.mu.Unlock()
		r.log.Info("source ended", "stream", st.name)
	case errors.Is(e.err, errRewind), errors.Is(e.err, context.Canceled) && r.genCtx.Err() != nil:
		// stopped by us
	case errors.Is(e.err, source.ErrConfig):
		st.mu.Lock()
		st.lastErr, st.errAt = e.err.Error(), r.now()
		st.mu.Unlock()
		r.m.streamErrors.WithLabelValues(st.name).Inc()
		r.log.Error("a source's configuration is refused; the agent stops (a restart reads the configuration again)", "stream", st.name, "err", e.err)
		if r.fatal == nil {
			r.fatal = fmt.Errorf("stream %s: %w", st.name, e.err)
		}
	default:
		st.failures++
		wait := min(StreamRetryMin<<min(st.failures-1, 16), StreamRetryMax)
		st.retryAt = r.now().Add(wait)
		st.mu.Lock()
		st.lastErr, st.errAt = e.err.Error(), r.now()
		st.mu.Unlock()
		r.m.streamErrors.WithLabelValues(st.name).Inc()
		r.log.Warn("read source; trying again", "stream", st.name, "retry_in", wait, "err", e.err)
	}
}

// tick retries failed streams and lets detached destinations catch up when
// no batch comes to do it.
func (r *reader) tick(ctx context.Context) {
	var pos map[string]uint64
	for _, st := range r.streams {
		// A stream read once (standard input) cannot be read again.
		if st.once || st.running || st.done || st.retryAt.IsZero() || r.now().Before(st.retryAt) {
			continue
		}
		if pos == nil {
			pos = r.startPositions()
		}
		st.retryAt = time.Time{}
		r.start(ctx, st, pos[st.name])
	}
	detached := false
	for _, s := range r.fan.Status() {
		detached = detached || s.Detached
	}
	if detached {
		if err := r.fan.Offer(ctx, nil); errors.Is(err, ship.ErrRewind) {
			r.rewind(ctx)
		}
	}
}

// finished reports whether every stream ended and every destination
// delivered everything it took.
func (r *reader) finished() bool {
	for _, st := range r.streams {
		if !st.done {
			if st.once && !st.running && st.started && st.failures > 0 {
				continue // standard input failed; nothing more will come
			}
			return false
		}
	}
	for _, s := range r.fan.Status() {
		if s.Detached || s.QueuedRecords > 0 {
			return false
		}
	}
	return true
}

// approxSize estimates an event's spool record size (its binary form is
// its strings plus a few bytes per field and a fixed header).
func approxSize(e *event.Event) int {
	n := 64 + len(e.System.Provider) + len(e.System.ProviderGUID) + len(e.System.Channel) + len(e.System.Computer) +
		len(e.System.UserID) + len(e.System.ActivityID) + len(e.Binary) + len(e.UserDataName) + len(e.UserDataNS)
	for _, f := range e.Data {
		n += 4 + len(f.Name) + len(f.Value)
	}
	if e.Rendering != nil {
		n += len(e.Rendering.Message) + 256
	}
	return n
}
