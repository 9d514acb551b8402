package ship

import (
	"slices"
	"strings"
	"sync"

	"wsec/internal/bookmark"
)

// tracker follows, for one destination, where each source channel stands:
//
//   - high: every record of the channel with an ID <= high was handled by
//     this destination: appended to its spool, or refused by its filter.
//     A record offered again with an ID <= high is skipped, so re-reading
//     the source after a restart or a rewind never duplicates.
//   - durable: every record with an ID <= durable is done: acknowledged by
//     the workspace or refused by the filter. It is high when nothing of
//     the channel is pending, else the first pending record's ID - 1.
//
// Record IDs must increase within a channel in the order records are
// offered (Windows event logs number records that way).
//
// Pending records are kept as runs of at most runRecords records, so a
// full 1 GiB spool costs a few hundred KB here; a partly acknowledged run
// holds durable at its first record until the run is done (durable lags by
// at most runRecords records, which only delays the bookmark).
type tracker struct {
	mu       sync.Mutex
	chans    map[string]*chanState
	detached bool // the spool was full: take nothing until a rewind
}

const runRecords = 64

type chanState struct {
	high uint64
	runs []run // pending, in sequence order
}

type run struct {
	seqFirst, seqLast uint64 // spool sequence numbers
	idFirst           uint64 // record ID of the run's first record
	n                 int
}

func newTracker() *tracker { return &tracker{chans: map[string]*chanState{}} }

func (c *chanState) durable() uint64 {
	if len(c.runs) > 0 {
		return c.runs[0].idFirst - 1
	}
	return c.high
}

// addPendingLocked records that record (seq, id) of channel ch is in the
// spool. mu is held.
func (t *tracker) addPendingLocked(ch string, seq, id uint64) {
	c := t.chanLocked(ch)
	if n := len(c.runs); n > 0 && c.runs[n-1].n < runRecords {
		r := &c.runs[n-1]
		r.seqLast, r.n = seq, r.n+1
	} else {
		c.runs = append(c.runs, run{seqFirst: seq, seqLast: seq, idFirst: id, n: 1})
	}
	c.high = max(c.high, id)
}

// setHighLocked records that channel ch is handled up to id. mu is held.
func (t *tracker) setHighLocked(ch string, id uint64) {
	c := t.chanLocked(ch)
	c.high = max(c.high, id)
}

// chanLocked returns channel ch's state, adding it when new (the name is
// cloned: ch may point into a spool record). mu is held.
func (t *tracker) chanLocked(ch string) *chanState {
	c := t.chans[ch]
	if c == nil {
		c = &chanState{}
		t.chans[strings.Clone(ch)] = c
	}
	return c
}

// ack drops pending runs whose records are all <= seq.
func (t *tracker) ack(seq uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.chans {
		i := 0
		for i < len(c.runs) && c.runs[i].seqLast <= seq {
			i++
		}
		if i > 0 {
			c.runs = append(c.runs[:0], c.runs[i:]...)
		}
	}
}

// durableAfter returns the durable positions as they will be once records
// <= seq are acknowledged, sorted by channel.
func (t *tracker) durableAfter(seq uint64) []bookmark.Position {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]bookmark.Position, 0, len(t.chans))
	for ch, c := range t.chans {
		d := c.high
		for _, r := range c.runs {
			if r.seqLast > seq {
				d = r.idFirst - 1
				break
			}
		}
		out = append(out, bookmark.Position{Channel: ch, RecordID: d})
	}
	sortPositions(out)
	return out
}

// sortPositions sorts positions by channel.
func sortPositions(ps []bookmark.Position) {
	slices.SortFunc(ps, func(a, b bookmark.Position) int { return strings.Compare(a.Channel, b.Channel) })
}

// durable returns the current durable position of every known channel.
func (t *tracker) durable() map[string]uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := make(map[string]uint64, len(t.chans))
	for ch, c := range t.chans {
		m[ch] = c.durable()
	}
	return m
}

// high returns the high position of every known channel.
func (t *tracker) high() map[string]uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := make(map[string]uint64, len(t.chans))
	for ch, c := range t.chans {
		m[ch] = c.high
	}
	return m
}
