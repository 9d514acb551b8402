// Package evtsim is a simulated Windows event log behind the interface the
// live source uses (wevtapi.EventLog), so the stream, bookmark, spool and
// shipping code that runs on Windows is exercised on every OS by what
// breaks collectors on real servers: a log cleared while the agent runs or
// is stopped, a circular log that overwrites records the agent has not
// read, ForwardedEvents whose events carry other hosts' record numbers,
// events too large for one EvtNext (RPC_S_INVALID_BOUND), idle channels
// answering ERROR_INVALID_OPERATION, events that fail to render, and
// channels that do not exist yet.
//
// What it promises is what the Windows documentation and the public
// history of collectors (elastic/beats #29793, the OpenTelemetry
// windowseventlog receiver) say Windows does:
//   - Local record numbers start at 1 and increase by one per record; a
//     clear empties the log and starts them at 1 again; with MaxRecords a
//     write past the limit drops the oldest record.
//   - A subscription after a bookmark is strict: when the bookmarked
//     record is not in the log, Subscribe fails with ERROR_NOT_FOUND (or,
//     with Channel.GoneErr, ERROR_EVT_QUERY_RESULT_STALE or
//     ..._INVALID_POSITION).
//   - A running subscription of a cleared log either goes on with the new
//     records (default) or fails with ERROR_EVT_QUERY_RESULT_STALE
//     (Channel.StaleOnClear); one whose next record was overwritten
//     resumes at the oldest record.
//   - Event handles render to the event's XML; the subscription's bookmark
//     renders to the local record number, whatever EventRecordID the event
//     carries.
//
// Only the query "*" is evaluated; any other is ERROR_EVT_INVALID_QUERY.
package evtsim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"wsec/internal/bookmark"
	"wsec/internal/event"
	"wsec/internal/source/wevtapi"
)

// Log is a set of channels. Safe for concurrent use.
type Log struct {
	mu    sync.Mutex
	chans map[string]*Channel
	next  wevtapi.Handle
	open  map[wevtapi.Handle]*record // event handles not closed yet

	// OnMissing, when set, is called (outside the log's lock) after a
	// Subscribe to a channel that does not exist failed.
	OnMissing func(channel string)
}

// New returns a log without channels.
func New() *Log {
	return &Log{chans: map[string]*Channel{}, open: map[wevtapi.Handle]*record{}}
}

// Channel is one channel of a Log. Its fields are set before use.
type Channel struct {
	l    *Log
	name string

	// MaxRecords makes the log circular: a write past it drops the oldest
	// record. 0 means unbounded.
	MaxRecords int
	// MaxBatchBytes makes EvtNext fail with RPC_S_INVALID_BOUND when the
	// XML of the events it would return, more than one, adds up past it. 0
	// means no limit.
	MaxBatchBytes int
	// IdleErr is what EvtNext returns with nothing to read; 0 means
	// ERROR_NO_MORE_ITEMS.
	IdleErr error
	// StaleOnClear makes subscriptions running across a clear fail with
	// ERROR_EVT_QUERY_RESULT_STALE.
	StaleOnClear bool
	// GoneErr is what a strict Subscribe after a bookmark whose record is
	// gone returns; nil means ERROR_NOT_FOUND. Windows versions differ:
	// ERROR_EVT_QUERY_RESULT_STALE and ..._INVALID_POSITION are seen too.
	GoneErr error
	// OnIdle, when set, is called (outside the log's lock) after EvtNext
	// found nothing to read: a test writes there what comes while a
	// reader waits.
	OnIdle func()

	recs     []*record // in record order
	nextRec  uint64
	clears   int
	signal   chan struct{} // closed and replaced on every write and clear
	failures map[uint64]int
	stats    Stats
}

// Stats counts what callers asked of a channel.
type Stats struct {
	Subscribes int   // successful
	NextSizes  []int // the batch size of every EvtNext call
	Renders    int
}

type record struct {
	rec uint64
	xml []byte
}

// Channel returns the named channel, creating it.
func (l *Log) Channel(name string) *Channel {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.chans[name]
	if c == nil {
		c = &Channel{l: l, name: name, nextRec: 1, signal: make(chan struct{}), failures: map[uint64]int{}}
		l.chans[name] = c
	}
	return c
}

// Write appends e and returns its local record number. An event with
// EventRecordID 0 is the machine's own and gets the record number as its
// EventRecordID; any other keeps its own (a forwarded event).
func (c *Channel) Write(e event.Event) uint64 {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	if e.System.EventRecordID == 0 {
		e.System.EventRecordID = c.nextRec
	}
	e.System.Channel = c.name
	return c.appendLocked(e.AppendXML(nil))
}

// WriteXML appends a record whose rendered XML is x as is (for XML the
// agent cannot read) and returns its record number.
func (c *Channel) WriteXML(x []byte) uint64 {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	return c.appendLocked(x)
}

func (c *Channel) appendLocked(x []byte) uint64 {
	r := &record{rec: c.nextRec, xml: x}
	c.nextRec++
	c.recs = append(c.recs, r)
	if c.MaxRecords > 0 && len(c.recs) > c.MaxRecords {
		c.recs = slices.Delete(c.recs, 0, len(c.recs)-c.MaxRecords)
	}
	c.signalLocked()
	return r.rec
}

// Clear empties the log; the next record is number 1.
func (c *Channel) Clear() {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	c.recs, c.nextRec = nil, 1
	c.clears++
	c.signalLocked()
}

// FailRender makes rendering record rec fail the next n times (n < 0:
// always).
func (c *Channel) FailRender(rec uint64, n int) {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	c.failures[rec] = n
}

// Name returns the channel's name.
func (c *Channel) Name() string { return c.name }

// Stats returns what the channel was asked so far.
func (c *Channel) Stats() Stats {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	st := c.stats
	st.NextSizes = slices.Clone(st.NextSizes)
	return st
}

// Records returns the local record numbers in the log, oldest first.
func (c *Channel) Records() []uint64 {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	out := make([]uint64, len(c.recs))
	for i, r := range c.recs {
		out[i] = r.rec
	}
	return out
}

func (c *Channel) signalLocked() {
	close(c.signal)
	c.signal = make(chan struct{})
}

// OpenHandles returns how many event handles were returned by Next and
// not closed.
func (l *Log) OpenHandles() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.open)
}

// indexLocked returns the index of the first record numbered >= rec.
func (c *Channel) indexLocked(rec uint64) int {
	i, _ := slices.BinarySearchFunc(c.recs, rec, func(r *record, n uint64) int {
		switch {
		case r.rec < n:
			return -1
		case r.rec > n:
			return 1
		}
		return 0
	})
	return i
}

// Subscribe implements wevtapi.EventLog.
func (l *Log) Subscribe(channel, query, bm string) (wevtapi.Subscription, error) {
	s, err := l.subscribe(channel, query, bm)
	if errors.Is(err, wevtapi.ErrChannelNotFound) && l.OnMissing != nil {
		l.OnMissing(channel)
	}
	return s, err
}

func (l *Log) subscribe(channel, query, bm string) (wevtapi.Subscription, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.chans[channel]
	if c == nil {
		return nil, wevtapi.ErrChannelNotFound
	}
	if query != "*" && query != "" {
		return nil, fmt.Errorf("evtsim evaluates only the query *: %w", wevtapi.ErrInvalidQuery)
	}
	s := &subscription{c: c, clears: c.clears}
	if len(c.recs) > 0 {
		s.next = c.recs[0].rec
	} else {
		s.next = c.nextRec
	}
	if bm != "" {
		ps, err := bookmark.ParseXML(bm)
		if err != nil || len(ps) != 1 || ps[0].Channel != channel {
			return nil, fmt.Errorf("evtsim: bookmark %q: %v", bm, err)
		}
		i := c.indexLocked(ps[0].RecordID)
		if i == len(c.recs) || c.recs[i].rec != ps[0].RecordID {
			if c.GoneErr != nil {
				return nil, c.GoneErr
			}
			return nil, wevtapi.ErrNotFound
		}
		s.next = ps[0].RecordID + 1
	}
	c.stats.Subscribes++
	return s, nil
}

// OldestRecord implements wevtapi.EventLog.
func (l *Log) OldestRecord(channel string) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.chans[channel]
	if c == nil {
		return 0, wevtapi.ErrChannelNotFound
	}
	if len(c.recs) == 0 {
		return 0, nil
	}
	return c.recs[0].rec, nil
}

type subscription struct {
	c      *Channel
	next   uint64        // the next record number to return
	clears int           // the channel's clears when next was right
	seen   chan struct{} // the channel's signal at the last Next
}

// Next implements wevtapi.Subscription.
func (s *subscription) Next(dst []wevtapi.Handle) (int, error) {
	n, err := s.nextBatch(dst)
	if n == 0 && err != nil && s.c.OnIdle != nil && (errors.Is(err, wevtapi.ErrNoMoreItems) || errors.Is(err, s.c.IdleErr)) {
		s.c.OnIdle()
	}
	return n, err
}

func (s *subscription) nextBatch(dst []wevtapi.Handle) (int, error) {
	l, c := s.c.l, s.c
	l.mu.Lock()
	defer l.mu.Unlock()
	c.stats.NextSizes = append(c.stats.NextSizes, len(dst))
	s.seen = c.signal
	if s.clears != c.clears {
		if c.StaleOnClear {
			return 0, wevtapi.ErrQueryResultStale
		}
		s.clears, s.next = c.clears, 1
	}
	i := c.indexLocked(s.next)
	n := min(len(dst), len(c.recs)-i)
	if n == 0 {
		if c.IdleErr != nil {
			return 0, c.IdleErr
		}
		return 0, wevtapi.ErrNoMoreItems
	}
	if c.MaxBatchBytes > 0 && n > 1 {
		size := 0
		for _, r := range c.recs[i : i+n] {
			size += len(r.xml)
		}
		if size > c.MaxBatchBytes {
			return 0, wevtapi.ErrInvalidBound
		}
	}
	for k, r := range c.recs[i : i+n] {
		l.next++
		l.open[l.next] = r
		dst[k] = l.next
	}
	s.next = c.recs[i+n-1].rec + 1
	return n, nil
}

// Wait implements wevtapi.Subscription.
func (s *subscription) Wait(ctx context.Context, d time.Duration) error {
	s.c.l.mu.Lock()
	seen := s.seen
	s.c.l.mu.Unlock()
	if seen == nil {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-seen:
	case <-t.C:
	}
	return nil
}

func (s *subscription) record(h wevtapi.Handle) (*record, error) {
	r := s.c.l.open[h]
	if r == nil {
		return nil, fmt.Errorf("evtsim: handle %d is not open", h)
	}
	return r, nil
}

// Render implements wevtapi.Subscription.
func (s *subscription) Render(h wevtapi.Handle) ([]byte, error) {
	s.c.l.mu.Lock()
	defer s.c.l.mu.Unlock()
	r, err := s.record(h)
	if err != nil {
		return nil, err
	}
	s.c.stats.Renders++
	if n := s.c.failures[r.rec]; n != 0 {
		s.c.failures[r.rec] = n - 1
		return nil, fmt.Errorf("evtsim: render record %d: the provider's template is missing", r.rec)
	}
	return r.xml, nil
}

// Bookmark implements wevtapi.Subscription.
func (s *subscription) Bookmark(h wevtapi.Handle) (string, error) {
	s.c.l.mu.Lock()
	defer s.c.l.mu.Unlock()
	r, err := s.record(h)
	if err != nil {
		return "", err
	}
	return bookmark.XML(bookmark.Position{Channel: s.c.name, RecordID: r.rec}), nil
}

// CloseEvent implements wevtapi.Subscription.
func (s *subscription) CloseEvent(h wevtapi.Handle) {
	s.c.l.mu.Lock()
	defer s.c.l.mu.Unlock()
	delete(s.c.l.open, h)
}

// Close implements wevtapi.Subscription.
func (s *subscription) Close() error { return nil }

var _ wevtapi.EventLog = (*Log)(nil)
