package ship

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"wsec/internal/bookmark"
	"wsec/internal/event"
	"wsec/internal/spool"
)

// Item is one event offered to a Fanout, with where it came from.
//
// Pos is the event's source position: its channel and record ID. Record
// IDs must increase within a channel in offer order. A zero Pos (empty
// channel or ID 0) is untracked: always taken, never skipped as already
// held, and not part of Durable.
type Item struct {
	Pos   bookmark.Position
	Event *event.Event
}

// Fanout takes events once and spools them for every destination whose
// filter wants them; each destination's Shipper delivers its own spool at
// its own pace. A destination that is down does not hold the others back:
// its spool grows until it is full, then the destination is detached (it
// takes nothing and its position stays where it was) while the others go
// on. When its spool has drained to ResumeFraction, Offer returns
// ErrRewind and the caller re-reads its source from Durable(); every
// destination skips the records it already holds, so the detached one
// catches up and nobody gets a duplicate.
//
// Offer must be called from one goroutine; Durable and Status from any.
type Fanout struct {
	dests []*Shipper

	buf  []byte
	offs []int
	recs [][]byte

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every acknowledgement
}

// NewFanout returns a Fanout over the destinations' Shippers.
func NewFanout(dests ...*Shipper) (*Fanout, error) {
	if len(dests) == 0 {
		return nil, errors.New("fanout: no destinations")
	}
	f := &Fanout{dests: dests, changed: make(chan struct{})}
	seen := map[string]bool{}
	for _, d := range dests {
		if seen[d.o.Name] {
			return nil, fmt.Errorf("fanout: two destinations named %q", d.o.Name)
		}
		seen[d.o.Name] = true
		d.wake = f.signal
	}
	return f, nil
}

func (f *Fanout) signal() {
	f.mu.Lock()
	close(f.changed)
	f.changed = make(chan struct{})
	f.mu.Unlock()
}

func (f *Fanout) waitChan() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

// Run runs every destination's Shipper until ctx is done, and returns the
// errors of those that stopped for good (see Shipper.Run) once all have
// returned. A destination that stops does not stop the others.
func (f *Fanout) Run(ctx context.Context) error {
	errs := make([]error, len(f.dests))
	var wg sync.WaitGroup
	for i, d := range f.dests {
		wg.Go(func() { errs[i] = d.Run(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Close closes every Shipper (after Run returned).
func (f *Fanout) Close() {
	for _, d := range f.dests {
		d.Close()
	}
}

// Offer spools items for every destination that wants them. It returns
// when each destination has either appended them durably, refused them by
// filter, already held them, or is detached.
//
// ErrRewind: a detached destination can take records again; none of items
// was taken; re-read the source from Durable() and offer from there.
// While every destination is detached Offer waits (for an acknowledgement
// somewhere, or ctx) and then returns ErrRewind.
//
// A source with nothing new should call Offer with no items now and then
// (every second or so): that is how a destination that resumed while the
// source was idle gets its rewind.
func (f *Fanout) Offer(ctx context.Context, items []Item) error {
	for _, it := range items {
		if len(it.Pos.Channel) > MaxChannelBytes {
			return fmt.Errorf("fanout: channel name of %d bytes exceeds %d", len(it.Pos.Channel), MaxChannelBytes)
		}
		if it.Event == nil {
			return errors.New("fanout: item without an event")
		}
	}
	if err := f.checkChannels(items); err != nil {
		return err
	}
	for {
		ch := f.waitChan()
		rewind := false
		for _, d := range f.dests {
			if d.tryReattach() {
				rewind = true
			}
		}
		if rewind {
			return ErrRewind
		}
		if !f.allDetached() {
			break
		}
		// Every destination is detached: wait for room somewhere.
		timer := time.NewTimer(f.reattachWait())
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-ch:
		case <-timer.C:
		}
		timer.Stop()
	}
	if len(items) == 0 {
		return nil
	}
	f.encode(items)
	if len(f.dests) == 1 {
		return f.dests[0].offer(items, f.recs)
	}
	// Each destination appends (and fsyncs) its own spool: in parallel, so
	// N destinations cost one fsync's latency, not N.
	errs := make([]error, len(f.dests))
	var wg sync.WaitGroup
	for i, d := range f.dests {
		wg.Go(func() { errs[i] = d.offer(items, f.recs) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// checkChannels refuses items that would make a destination track more
// than MaxChannels channels (its state is stored with every
// acknowledgement, so it is bounded).
func (f *Fanout) checkChannels(items []Item) error {
	for _, d := range f.dests {
		d.tr.mu.Lock()
		n := len(d.tr.chans)
		var added map[string]bool
		for _, it := range items {
			ch := it.Pos.Channel
			if !tracked(it.Pos) || d.tr.chans[ch] != nil || added[ch] {
				continue
			}
			if added == nil {
				added = map[string]bool{}
			}
			added[ch] = true
			if n+len(added) > MaxChannels {
				d.tr.mu.Unlock()
				return fmt.Errorf("fanout: channel %q would be destination %s's %dth; at most %d are tracked",
					ch, d.o.Name, n+len(added), MaxChannels)
			}
		}
		d.tr.mu.Unlock()
	}
	return nil
}

// encode builds every item's spool record once, into one buffer.
func (f *Fanout) encode(items []Item) {
	f.buf, f.offs, f.recs = f.buf[:0], f.offs[:0], f.recs[:0]
	for _, it := range items {
		f.offs = append(f.offs, len(f.buf))
		f.buf = appendRecord(f.buf, it.Pos, nil)
		f.buf = it.Event.AppendFramed(f.buf)
	}
	f.offs = append(f.offs, len(f.buf))
	for i := range items {
		f.recs = append(f.recs, f.buf[f.offs[i]:f.offs[i+1]])
	}
	if cap(f.buf) > 64<<20 {
		f.buf = nil // do not keep a huge buffer
	}
}

func (f *Fanout) allDetached() bool {
	for _, d := range f.dests {
		if !d.isDetached() {
			return false
		}
	}
	return true
}

// reattachWait is how long Offer sleeps at most before checking detached
// destinations again when no acknowledgement wakes it.
func (f *Fanout) reattachWait() time.Duration {
	w := time.Second
	for _, d := range f.dests {
		if until := time.Until(d.detachAt); until > w {
			w = until
		}
	}
	return w
}

// Durable returns, for every channel any destination tracks, the position
// up to which every destination has acknowledged (or filtered out) every
// event offered: the bookmark the source may move to. Destinations that
// know nothing of a channel do not hold it back.
func (f *Fanout) Durable() []bookmark.Position {
	lo := map[string]uint64{}
	for _, d := range f.dests {
		for ch, v := range d.tr.durable() {
			if cur, ok := lo[ch]; !ok || v < cur {
				lo[ch] = v
			}
		}
	}
	return positionsOf(lo)
}

// Held returns, for every channel any destination tracks, the highest
// position some destination has taken (spooled, delivered or filtered
// out): how far the source was read, as the spools remember it across
// restarts.
func (f *Fanout) Held() []bookmark.Position {
	hi := map[string]uint64{}
	for _, d := range f.dests {
		for ch, v := range d.tr.high() {
			hi[ch] = max(hi[ch], v)
		}
	}
	return positionsOf(hi)
}

func positionsOf(m map[string]uint64) []bookmark.Position {
	out := make([]bookmark.Position, 0, len(m))
	for ch, v := range m {
		out = append(out, bookmark.Position{Channel: ch, RecordID: v})
	}
	sortPositions(out)
	return out
}

// Status returns every destination's status, in the order given to
// NewFanout.
func (f *Fanout) Status() []Status {
	out := make([]Status, len(f.dests))
	for i, d := range f.dests {
		out[i] = d.Status()
	}
	return out
}

// Destinations returns the Shippers, in the order given to NewFanout.
func (f *Fanout) Destinations() []*Shipper { return slices.Clone(f.dests) }

func tracked(p bookmark.Position) bool { return p.Channel != "" && p.RecordID > 0 }

// offer is this destination's part of Fanout.Offer; recs[i] is items[i]'s
// spool record.
func (s *Shipper) offer(items []Item, recs [][]byte) error {
	t := s.tr
	t.mu.Lock()
	if t.detached {
		// Hold back every channel at the first record this destination
		// misses, including channels it has never seen.
		for _, it := range items {
			if tracked(it.Pos) && t.chans[it.Pos.Channel] == nil {
				t.setHighLocked(it.Pos.Channel, it.Pos.RecordID-1)
			}
		}
		t.mu.Unlock()
		s.m.offered.WithLabelValues("detached").Add(float64(len(items)))
		return nil
	}
	type take struct {
		ch string
		id uint64
	}
	highs := map[string]uint64{} // this call's view of t.chans[ch].high
	var takes []take
	var out [][]byte
	var skipped, filtered int
	for i, it := range items {
		ch, id := it.Pos.Channel, it.Pos.RecordID
		if tracked(it.Pos) {
			high, known := highs[ch]
			if !known {
				if c := t.chans[ch]; c != nil {
					high, known = c.high, true
				}
			}
			if known && id <= high {
				skipped++
				continue
			}
			highs[ch] = id
		}
		if s.o.Filter != nil && !s.o.Filter(it.Event) {
			filtered++
			continue
		}
		takes = append(takes, take{ch, id})
		out = append(out, recs[i])
	}
	t.mu.Unlock()

	var first uint64
	if len(out) > 0 {
		last, err := s.q.Append(out...)
		if err != nil {
			s.detach(items, err)
			return nil
		}
		first = last - uint64(len(out)) + 1
	}
	t.mu.Lock()
	for ch, id := range highs {
		t.setHighLocked(ch, id)
	}
	for i, tk := range takes {
		if tracked(bookmark.Position{Channel: tk.ch, RecordID: tk.id}) {
			t.addPendingLocked(tk.ch, first+uint64(i), tk.id)
		}
	}
	t.mu.Unlock()
	s.m.offered.WithLabelValues("spooled").Add(float64(len(out)))
	s.m.offered.WithLabelValues("filtered").Add(float64(filtered))
	s.m.offered.WithLabelValues("skipped").Add(float64(skipped))
	return nil
}

// detach stops this destination from taking records after Append failed.
// Nothing of items was appended; their channels stay where they were.
func (s *Shipper) detach(items []Item, err error) {
	t := s.tr
	t.mu.Lock()
	t.detached = true
	for _, it := range items {
		if tracked(it.Pos) && t.chans[it.Pos.Channel] == nil {
			t.setHighLocked(it.Pos.Channel, it.Pos.RecordID-1)
		}
	}
	t.mu.Unlock()
	s.detachAt = time.Time{}
	reason := "spool full"
	if !errors.Is(err, spool.ErrFull) {
		// A full disk or a failed write: room may come back without an
		// acknowledgement. Check again soon (canReattach asks the spool
		// whether it can write before re-reading the source).
		s.detachAt = time.Now().Add(s.o.RetryBase)
		reason = err.Error()
	}
	s.m.detached.Set(1)
	s.m.offered.WithLabelValues("detached").Add(float64(len(items)))
	s.setStatus(func(st *Status) {
		st.Detached, st.DetachedReason = true, reason
		if !errors.Is(err, spool.ErrFull) {
			st.LastError, st.LastErrorTime = reason, s.o.Now()
		}
	})
	s.log.Warn("destination detached: it takes no events until its spool can take them again, then the source is re-read",
		"reason", reason, "err", err)
}

// writableQueue is a Queue that can tell whether Append would work
// (*spool.Queue can): a destination detached by a full disk or a failed
// write is re-attached only once it would.
type writableQueue interface {
	Writable() error
}

func (s *Shipper) isDetached() bool {
	s.tr.mu.Lock()
	defer s.tr.mu.Unlock()
	return s.tr.detached
}

// canReattach reports whether a detached destination has room again.
func (s *Shipper) canReattach() bool {
	if !s.isDetached() || time.Now().Before(s.detachAt) {
		return false
	}
	if wq, ok := s.q.(writableQueue); ok && wq.Writable() != nil {
		s.detachAt = time.Now().Add(s.o.RetryBase)
		return false
	}
	st := s.q.Stats()
	return float64(st.DiskBytes) <= float64(st.MaxBytes)*s.o.ResumeFraction
}

// tryReattach re-attaches a detached destination that has room again and
// reports whether it did (the caller must then rewind its source).
func (s *Shipper) tryReattach() bool {
	if !s.canReattach() {
		return false
	}
	s.tr.mu.Lock()
	s.tr.detached = false
	s.tr.mu.Unlock()
	s.m.detached.Set(0)
	s.setStatus(func(st *Status) { st.Detached, st.DetachedReason = false, "" })
	s.log.Info("destination resumed; the source is re-read from the durable position")
	return true
}
