package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"

	"wsec/internal/schema"
	"wsec/internal/store"
)

// Group commit. AppendEvents encodes its batch on the caller's goroutine and
// hands it to the workspace's committer, one goroutine that writes every
// batch waiting at that moment in one DuckDB transaction: the mark checks,
// dedup, appends and the commit's WAL fsync are paid once per group, and
// while a group commits, the next callers encode theirs. Each batch stays
// atomic (a group commits or rolls back whole; a failed group fails every
// batch in it, and nothing of any is stored), and events repeated across
// batches of one group are deduplicated as within a batch.

// appendReq is one AppendEvents call waiting for the committer.
type appendReq struct {
	ctx      context.Context // checked when the group starts; not during the commit
	sender   string
	seq      uint64
	events   int
	received time.Time
	enc      *encodedBatch

	// set by the committer before done is closed
	res  store.AppendResult
	err  error
	done chan struct{}
}

// committer owns the queue of batches waiting to be written.
type committer struct {
	w     *Workspace
	queue chan *appendReq
	stop  chan struct{}
	wg    sync.WaitGroup
	// markStmt looks a (sender, seq) mark up on the writer connection.
	markStmt *sql.Stmt
}

func newCommitter(w *Workspace) (*committer, error) {
	st, err := w.wconn.PrepareContext(context.Background(),
		"SELECT stored, duplicates FROM "+batchTable+" WHERE sender = ? AND seq = ?")
	if err != nil {
		return nil, fmt.Errorf("prepare batch mark lookup: %w", err)
	}
	c := &committer{w: w, queue: make(chan *appendReq, maxQueuedBatches), stop: make(chan struct{}), markStmt: st}
	c.wg.Add(1)
	go c.run()
	return c, nil
}

// submit queues req, waiting while the queue is full (backpressure).
func (c *committer) submit(ctx context.Context, req *appendReq) error {
	select {
	case c.queue <- req:
		return nil
	case <-c.stop:
		return store.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops the committer after the group in progress; queued batches
// fail with store.ErrClosed (nothing of them is stored).
func (c *committer) close() error {
	close(c.stop)
	c.wg.Wait()
	for {
		select {
		case req := <-c.queue:
			req.err = store.ErrClosed
			close(req.done)
		default:
			return c.markStmt.Close()
		}
	}
}

func (c *committer) run() {
	defer c.wg.Done()
	for {
		var first *appendReq
		select {
		case <-c.stop:
			return
		case first = <-c.queue:
		}
		group := []*appendReq{first}
		events := first.events
	gather:
		for events < maxGroupEvents {
			select {
			case r := <-c.queue:
				group = append(group, r)
				events += r.events
			default:
				break gather
			}
		}
		c.commit(group)
		for _, r := range group {
			close(r.done)
		}
	}
}

// pending is a batch of the group that is to be written.
type pending struct {
	req  *appendReq
	keep [2][][]int // per table, per chunk: the rows to store
}

// commit writes one group. It holds the workspace's write lock throughout,
// so the dedup index equals the committed database at every unlock.
func (c *committer) commit(group []*appendReq) {
	w := c.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.checkOpen(); err != nil {
		for _, r := range group {
			r.err = err
		}
		return
	}
	ctx := context.Background()
	var todo []*pending
	marks := make(map[markKey]*appendReq, len(group))
	inGroup := make(map[key]struct{})
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		mk := markKey{r.sender, r.seq}
		if first, ok := marks[mk]; ok { // the same batch twice in one group
			r.res, r.err = first.res, first.err
			r.res.Duplicate = true
			continue
		}
		prev, found, err := c.lookupMark(ctx, r.sender, r.seq)
		if err != nil {
			r.err = err
			continue
		}
		if found {
			w.s.m.duplicateBatches.Inc()
			r.res = prev
			continue
		}
		p := &pending{req: r}
		dups, err := w.dedupBatch(ctx, r.enc, inGroup, &p.keep)
		if err != nil {
			r.err = err
			continue
		}
		r.res = store.AppendResult{Stored: r.events - dups, Duplicates: dups}
		marks[mk] = r
		todo = append(todo, p)
	}
	if len(todo) == 0 {
		return
	}
	var newTpl []*template
	err := w.inTx(ctx, func() error {
		// every template registered so far, before rows that use them
		newTpl = w.tpl.unpersisted()
		if err := w.appendRows(templateTable, []string{"id", "def"}, len(newTpl), func(i int) []driver.Value {
			return []driver.Value{newTpl[i].id, newTpl[i].def}
		}); err != nil {
			return err
		}
		for ti, l := range []*layout{w.se, w.we} {
			if err := w.appendPending(l, ti, todo); err != nil {
				return err
			}
		}
		if w.testFailBeforeMark != nil {
			if err := w.testFailBeforeMark(); err != nil {
				return err
			}
		}
		return w.appendRows(batchTable, []string{"sender", "seq", "committed", "stored", "duplicates"}, len(todo),
			func(i int) []driver.Value {
				r := todo[i].req
				return []driver.Value{r.sender, r.seq, r.received, int32(r.res.Stored), int32(r.res.Duplicates)}
			})
	})
	if err != nil {
		for _, p := range todo {
			p.req.err, p.req.res = err, store.AppendResult{}
		}
		// A twin of a failed batch in this group must not report success.
		for _, r := range group {
			if first, ok := marks[markKey{r.sender, r.seq}]; ok && first != r && first.err != nil {
				r.err, r.res = first.err, store.AppendResult{}
			}
		}
		return
	}
	if len(newTpl) > 0 {
		w.tpl.markPersisted(int(newTpl[len(newTpl)-1].id))
	}
	m := w.s.m
	var stored [2]int
	for _, p := range todo {
		for ti := range p.keep {
			for ci, ch := range p.req.enc.chunks[ti] {
				for _, i := range p.keep[ti][ci] {
					w.dedup.add(ch.days[i], ch.keys[i])
				}
				stored[ti] += len(p.keep[ti][ci])
			}
		}
		m.duplicateEvents.Add(float64(p.req.res.Duplicates))
		m.intOverflows.Add(float64(p.req.enc.overflows))
	}
	m.rowsAppended.WithLabelValues(schema.SecurityEventTable).Add(float64(stored[0]))
	m.rowsAppended.WithLabelValues(schema.WindowsEventTable).Add(float64(stored[1]))
	m.dedupKeys.Set(float64(w.dedup.total))
}

type markKey struct {
	sender string
	seq    uint64
}

// lookupMark looks up a committed (sender, seq) mark.
func (c *committer) lookupMark(ctx context.Context, sender string, seq uint64) (store.AppendResult, bool, error) {
	res := store.AppendResult{Duplicate: true}
	err := c.markStmt.QueryRowContext(ctx, sender, seq).Scan(&res.Stored, &res.Duplicates)
	if errors.Is(err, sql.ErrNoRows) {
		return store.AppendResult{}, false, nil
	}
	if err != nil {
		return store.AppendResult{}, false, fmt.Errorf("look up batch mark: %w", err)
	}
	return res, true, nil
}

// dedupBatch decides which rows of b to store: keep[t][c] lists the row
// indexes of chunk c of table t whose identity is neither stored nor
// earlier in the group (inGroup, which it extends). It returns the number
// of duplicates. The caller holds w.mu.
func (w *Workspace) dedupBatch(ctx context.Context, b *encodedBatch, inGroup map[key]struct{}, keep *[2][][]int) (int, error) {
	days := make(map[int64]struct{})
	for t := range b.chunks {
		for _, ch := range b.chunks[t] {
			for _, d := range ch.days {
				days[d] = struct{}{}
			}
		}
	}
	if len(days) > 0 {
		if err := w.dedup.loadDays(ctx, w.wconn, []string{w.se.phys, w.we.phys}, days); err != nil {
			return 0, err
		}
	}
	dups := 0
	for t := range b.chunks {
		keep[t] = make([][]int, len(b.chunks[t]))
		for c, ch := range b.chunks[t] {
			ks := make([]int, 0, ch.len())
			for i, k := range ch.keys {
				if _, dup := inGroup[k]; dup || w.dedup.has(ch.days[i], k) {
					dups++
					continue
				}
				inGroup[k] = struct{}{}
				ks = append(ks, i)
			}
			keep[t][c] = ks
		}
	}
	return dups, nil
}

// appendPending appends the kept rows of table ti of every pending batch,
// through one appender.
func (w *Workspace) appendPending(l *layout, ti int, todo []*pending) error {
	type ref struct {
		ch *rows
		i  int
	}
	var refs []ref
	for _, p := range todo {
		for c, ks := range p.keep[ti] {
			ch := p.req.enc.chunks[ti][c]
			for _, i := range ks {
				refs = append(refs, ref{ch, i})
			}
		}
	}
	return w.appendRows(l.phys, l.columnNames(), len(refs), func(i int) []driver.Value {
		return refs[i].ch.row(refs[i].i)
	})
}
