package clickhouse

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"wsec/internal/schema"
)

// A committer writes the events of one workspace to one shard. Concurrent
// AppendEvents calls (several agents sending at once) are committed
// together: while one group is being written, the batches that arrive
// queue up, and the next group takes them all — one key lookup and one
// INSERT per table for the group instead of one per batch.
//
// Why: every INSERT into a MergeTree table writes a new part, a directory
// with two files per column and two more per Nullable column (over 900 for
// SecurityEvent), which the server then merges in the background. The cost
// of a part is mostly per part, not per row, so the rows per part decide
// the events per second a shard takes. Grouping costs a batch no wait when
// it arrives alone (it is written at once), and under load each batch
// waits at most for the group in flight.
//
// A group is written by the goroutine of one of its callers (the leader),
// with its context's values but not its cancellation, so a caller giving
// up does not fail the others; every caller waits for its own group's
// outcome or its context.
type committer struct {
	w     *Workspace
	shard *server

	mu    sync.Mutex
	busy  bool       // a group is being written
	queue []*pending // batches waiting for the next group
}

// pending is one AppendEvents call's events for the shard.
type pending struct {
	ms   []mapped
	done chan commitResult // buffered: the leader never blocks on it
	lead chan struct{}     // closed when this caller is to write the next group
}

type commitResult struct {
	stored, duplicates int
	err                error
}

// maxGroupEvents bounds a group's events: one INSERT of a wide table holds
// its block and the sorted copy in memory on the server.
const maxGroupEvents = 50_000

func (c *committer) commit(ctx context.Context, ms []mapped) commitResult {
	p := &pending{ms: ms, done: make(chan commitResult, 1), lead: make(chan struct{})}
	c.mu.Lock()
	c.queue = append(c.queue, p)
	leader := !c.busy
	if leader {
		c.busy = true
	}
	c.mu.Unlock()
	if !leader {
		select {
		case r := <-p.done:
			return r
		case <-p.lead:
		case <-ctx.Done():
			if c.withdraw(p) {
				return commitResult{err: ctx.Err()}
			}
			// Handed the lead as the context ended: write the group, or
			// the callers queued behind would wait for no one.
		}
	}
	c.run(context.WithoutCancel(ctx))
	return <-p.done
}

// withdraw takes p out of the queue unless it was handed the lead, and
// reports whether it did. A batch already in a group being written stays
// there (its caller gets ctx's error, the rows may be stored: they were
// not acknowledged, and a resend is deduplicated).
func (c *committer) withdraw(p *pending) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-p.lead:
		return false
	default:
	}
	for i, q := range c.queue {
		if q == p {
			c.queue = append(c.queue[:i:i], c.queue[i+1:]...)
			break
		}
	}
	return true
}

// run writes groups until the queue holds no batch of the caller's, then
// hands the lead to the first caller still waiting, if any.
func (c *committer) run(ctx context.Context) {
	c.mu.Lock()
	group, rest := c.take()
	c.queue = rest
	c.mu.Unlock()

	c.write(ctx, group)

	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		c.busy = false
		return
	}
	close(c.queue[0].lead)
}

// take splits the queue into the next group (at least one batch, at most
// maxGroupEvents events unless one batch is larger) and the rest.
func (c *committer) take() (group, rest []*pending) {
	n := 0
	for i, p := range c.queue {
		if i > 0 && n+len(p.ms) > maxGroupEvents {
			return c.queue[:i:i], append([]*pending(nil), c.queue[i:]...)
		}
		n += len(p.ms)
	}
	return c.queue, nil
}

// write commits a group: keys already on the shard, or earlier in the
// group, are duplicates; the rest go in one INSERT per table.
func (c *committer) write(ctx context.Context, group []*pending) {
	stored, err := c.existing(ctx, group)
	if err != nil {
		for _, p := range group {
			p.done <- commitResult{err: err}
		}
		return
	}
	w := c.w
	rows := map[*schema.Table]int{}
	for _, p := range group {
		for j := range p.ms {
			rows[p.ms[j].table]++
		}
	}
	encs := map[*schema.Table]*blockEncoder{}
	now := w.s.opts.Now().UnixMicro()
	results := make([]commitResult, len(group))
	for i, p := range group {
		for j := range p.ms {
			m := &p.ms[j]
			if _, dup := stored[m.key]; dup {
				results[i].duplicates++
				continue
			}
			stored[m.key] = struct{}{}
			results[i].stored++
			enc := encs[m.table]
			if enc == nil {
				enc = newBlockEncoder(m.table, w.id, now, rows[m.table])
				encs[m.table] = enc
			}
			enc.row(&m.row, m.key)
		}
	}
	var errs []error
	for t, enc := range encs {
		if err := c.shard.execWith(ctx, "", enc.insertSQL(w.db, localName(t.Name)), enc.body(), insertSettings); err != nil {
			errs = append(errs, fmt.Errorf("insert %d rows into %s: %w", enc.rows, t.Name, err))
		}
	}
	err = errors.Join(errs...)
	for i, p := range group {
		if err != nil {
			results[i] = commitResult{err: err}
		}
		p.done <- results[i]
	}
}

// insertSettings write a group's block as it comes: the server's default
// squashes inserted blocks to a million rows, a copy of every column that
// a block already as large as the group gains nothing from.
var insertSettings = url.Values{"min_insert_block_size_rows": {"0"}, "min_insert_block_size_bytes": {"0"}}

// existing returns the group's keys already stored on the shard. The keys
// go as an external table; each event table is read in the time range its
// rows of the group cover, so a lookup reads the key columns of those
// granules only.
func (c *committer) existing(ctx context.Context, group []*pending) (map[[2]uint64]struct{}, error) {
	type span struct{ lo, hi int64 }
	spans := map[*schema.Table]*span{}
	var keys []byte
	n := 0
	for _, p := range group {
		for _, m := range p.ms {
			lo, hi := m.us, m.us
			if !m.hasTime { // stored at its receive time, after this lookup
				lo, hi = math.MinInt64, math.MaxInt64
			}
			if sp := spans[m.table]; sp == nil {
				spans[m.table] = &span{lo, hi}
			} else {
				sp.lo, sp.hi = min(sp.lo, lo), max(sp.hi, hi)
			}
			keys = binary.LittleEndian.AppendUint64(keys, m.key[0])
			keys = binary.LittleEndian.AppendUint64(keys, m.key[1])
			n++
		}
	}
	out := make(map[[2]uint64]struct{}, n)
	var selects []string
	for t, sp := range spans {
		selects = append(selects, "SELECT `"+colKey0+"`, `"+colKey1+"` FROM "+quoteIdent(localName(t.Name))+
			" WHERE `TimeGenerated` BETWEEN "+strconv.FormatInt(sp.lo, 10)+" AND "+strconv.FormatInt(sp.hi, 10)+
			" AND (`"+colKey0+"`, `"+colKey1+"`) IN _keys")
	}
	res, err := c.shard.selectExternal(ctx, c.w.db, strings.Join(selects, " UNION ALL "),
		external{name: "_keys", structure: "k0 UInt64, k1 UInt64", rowBinary: keys})
	if err != nil {
		return nil, fmt.Errorf("look up stored events: %w", err)
	}
	for _, row := range res.rows {
		out[[2]uint64{uint64(row[0].(int64)), uint64(row[1].(int64))}] = struct{}{}
	}
	return out, nil
}
